"""What alerts about the contract's term and expiring credentials say, per event kind."""

from __future__ import annotations

from typing import Any

from flask_babel import gettext as _

from .content import Content, day_text, money_text, seats_text


def renewal_upcoming(p: dict[str, Any], org: str, admin: str) -> Content:
    """Announce the renewal: when, at how many seats, for how much."""
    amount = money_text(p["amount"], p["currency"])
    renewal_seats = seats_text(p["renewal_seats"])
    term_end = day_text(p["term_end"])
    return Content(
        subject=_(
            "[%(org)s] Your contract renews on %(day)s: %(seats)s, %(amount)s",
            org=org,
            day=term_end,
            seats=renewal_seats,
            amount=amount,
        ),
        headline=_("Renewal in %(days)s days", days=p["days_left"]),
        paragraphs=[
            _(
                "On %(day)s the contract renews for a year at the seats then in use: "
                "%(used)s of %(bought)s seats are in use now, so it would renew at %(seats)s "
                "for %(amount)s.",
                day=term_end,
                used=p["seats_in_use"],
                bought=p["seats_purchased"],
                seats=renewal_seats,
                amount=amount,
            )
        ],
        action_label=_("Open billing"),
        action_url=f"{admin}/billing",
    )


def contract_expiring(p: dict[str, Any], org: str, admin: str) -> Content:
    """Announce the end of a contract that does not renew by itself."""
    term_end = day_text(p["term_end"])
    return Content(
        subject=_("[%(org)s] Your contract ends on %(day)s", org=org, day=term_end),
        headline=_("Contract ends in %(days)s days", days=p["days_left"]),
        paragraphs=[
            _(
                "The contract does not renew by itself. After %(day)s nobody can take a seat "
                "until it is renewed.",
                day=term_end,
            )
        ],
        action_label=_("Open billing"),
        action_url=f"{admin}/billing",
    )


def certificate_expiring(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say when the identity provider's SAML certificate expires, and how to replace it."""
    expires_on = day_text(str(p["expires_at"])[:10])
    return Content(
        subject=_(
            "[%(org)s] The SAML sign-in certificate expires on %(day)s", org=org, day=expires_on
        ),
        headline=_("SAML certificate expires in %(days)s days", days=p["days_left"]),
        paragraphs=[
            _(
                "The signing certificate of the identity provider %(idp)s expires on %(day)s. "
                "After that nobody can sign in over SAML. Add the new certificate at the "
                "identity provider, then load its metadata again with `%(command)s`: both "
                "certificates are accepted meanwhile.",
                idp=p["idp_entity_id"],
                day=expires_on,
                command="scim-gateway sso set-saml",
            )
        ],
        action_label=_("Open billing"),
        action_url=f"{admin}/billing",
    )


def token_expiring(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say which token, SCIM or API, expires when, and what to do before what uses it is
    refused."""
    name = p.get("label") or f"{p.get('prefix', '')}…"
    expires_on = day_text(str(p["expires_at"])[:10])
    said = {"org": org, "name": name, "day": expires_on, "days": p["days_left"]}
    facts = [(_("Token"), str(name))]
    if p.get("kind") == "api":
        subject = _("[%(org)s] The API token %(name)s expires on %(day)s", **said)
        headline = _("API token %(name)s expires in %(days)s days", **said)
        paragraph = _(
            "The API token %(name)s expires on %(day)s. After that every request made "
            "with it is refused. Issue a new token (`%(command)s`), put it where this one "
            "is used, then revoke this one.",
            command="scim-gateway owner token",
            **said,
        )
        if p.get("owner"):
            facts.append((_("Owner"), str(p["owner"])))
    else:
        subject = _("[%(org)s] The SCIM token %(name)s expires on %(day)s", **said)
        headline = _("SCIM token %(name)s expires in %(days)s days", **said)
        paragraph = _(
            "The SCIM token %(name)s expires on %(day)s. After that the identity provider "
            "can no longer provision or deactivate anyone. Issue a new token "
            "(`%(command)s`), set it at the identity provider, then revoke this one.",
            command="scim-gateway token issue",
            **said,
        )
    return Content(
        subject=subject,
        headline=headline,
        paragraphs=[paragraph],
        facts=[*facts, (_("Expires"), expires_on)],
        action_label=_("Open billing"),
        action_url=f"{admin}/billing",
    )


def contract_renewed(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say the new term, its seats and the renewal's invoice."""
    seats = seats_text(p["seats_purchased"])
    term_end = day_text(p["term_end"])
    return Content(
        subject=_(
            "[%(org)s] Contract renewed until %(day)s: %(seats)s",
            org=org,
            day=term_end,
            seats=seats,
        ),
        headline=_("Your contract was renewed"),
        paragraphs=[
            _(
                "The new term runs from %(start)s to %(end)s with %(seats)s. Invoice "
                "%(invoice)s: %(amount)s.",
                start=day_text(p["term_start"]),
                end=term_end,
                seats=seats,
                invoice=p["invoice_number"],
                amount=money_text(p["amount"], p["currency"]),
            )
        ],
        action_label=_("View the invoice"),
        action_url=f"{admin}/invoices/{p['invoice_number']}",
    )


def contract_expired(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say the contract has expired and that nobody can take a seat until it is renewed."""
    return Content(
        subject=_("[%(org)s] Your contract has expired", org=org),
        headline=_("Your contract has expired"),
        paragraphs=[
            _(
                "The term ended on %(day)s and the contract does not renew by itself. "
                "Members keep their data, but nobody can take a seat until it is renewed.",
                day=day_text(p["term_end"]),
            )
        ],
        action_label=_("Open billing"),
        action_url=f"{admin}/billing",
    )
