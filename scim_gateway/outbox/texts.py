"""What each alert event says: one builder per event kind, named in one table."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .content import (
    REFUSAL_REASONS,
    Content,
    forecast_paragraphs,
    money_text,
    name_text,
    people_text,
    seats_text,
    seats_to_add,
)

# A builder reads the event's payload, the organization's name and its admin pages' URL.
Builder = Callable[[dict[str, Any], str, str], Content]


def _review(admin: str, seats: int) -> str:
    return f"{admin}/billing/seats/review?seats={seats}"


def _usage_threshold(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say how many seats are in use, the projection, and offer the seats that suffice."""
    used, bought, threshold = p["seats_in_use"], p["seats_purchased"], p["threshold"]
    full = used >= bought
    to_add = seats_to_add(threshold, used, bought)
    forecast = p.get("forecast") or {}
    if forecast.get("recommended_add"):
        to_add = int(forecast["recommended_add"])  # enough for the rest of the term
    return Content(
        subject=f"[{org}] {used} of {bought} seats in use" + (": none left" if full else ""),
        headline=f"{org} has reached {threshold} % of its seats",
        paragraphs=[
            f"{used} of {bought} seats are in use."
            + (
                " Every seat is taken: new people are refused until seats are added."
                if full
                else " When every seat is taken, new people are refused until seats are added."
            ),
            *forecast_paragraphs(forecast),
        ],
        action_label=f"Add {seats_text(to_add)}",
        action_url=_review(admin, to_add),
    )


def _seat_refused(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say who was refused a seat, over which channel and why, and what undoes it."""
    who = name_text(p)
    channel = "sign-in (SSO)" if p.get("channel") == "sso" else "provisioning (SCIM)"
    reason = p.get("reason") or "no_seat"
    why = REFUSAL_REASONS.get(reason, REFUSAL_REASONS["no_seat"])
    if reason == "no_seat" and p.get("seats_purchased") is not None:
        why = f"all {p['seats_purchased']} seats are in use."
    action = {
        "no_seat": ("Add 1 seat", _review(admin, 1)),
        "contract_expired": ("Open billing", f"{admin}/billing"),
    }.get(reason, ("Open seat requests", f"{admin}/seat-requests"))
    return Content(
        subject=f"[{org}] Seat refused for {who}",
        headline=f"{who} was refused a seat",
        paragraphs=[f"The {channel} of {who} was refused: {why} They wait as a seat request."],
        action_label=action[0],
        action_url=action[1],
        facts=[("Seat requests", f"{admin}/seat-requests")],
    )


def _seat_refused_digest(p: dict[str, Any], org: str, admin: str) -> Content:
    """Gather the refusals after a window's first alert: how many, and of whom."""
    people = p.get("people") or []
    count, people_count = int(p["refusals"]), int(p.get("people_count") or len(people))
    names = [name_text(person) for person in people]
    return Content(
        subject=f"[{org}] {count} more seat refusals for {people_text(people_count)}",
        headline=f"{count} more seat refusals since the last alert",
        paragraphs=[
            f"{people_text(people_count)} were refused a seat {count} times in all "
            "(refusals after the first alert of a window are gathered here):"
        ],
        action_label=f"Add {seats_text(people_count)}",
        action_url=_review(admin, people_count),
        facts=[("Seat requests", f"{admin}/seat-requests")],
        names=names,
        more_names=max(people_count - len(names), 0),
    )


def _seats_purchased(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say the seats the organization has now, and the invoice of the purchase."""
    return Content(
        subject=f"[{org}] Seats added: {p['seats_purchased']} seats now, "
        f"invoice {p['invoice_number']}",
        headline=f"{org} now has {seats_text(p['seats_purchased'])}",
        paragraphs=[
            f"Seats were added on {p['issued_on']}. Invoice {p['invoice_number']}: "
            f"{money_text(p['amount'], p['currency'])}."
        ],
        action_label="View the invoice",
        action_url=f"{admin}/invoices/{p['invoice_number']}",
    )


def _renewal_upcoming(p: dict[str, Any], org: str, admin: str) -> Content:
    """Announce the renewal: when, at how many seats, for how much."""
    return Content(
        subject=f"[{org}] Your contract renews on {p['term_end']}: "
        f"{seats_text(p['renewal_seats'])}, {money_text(p['amount'], p['currency'])}",
        headline=f"Renewal in {p['days_left']} days",
        paragraphs=[
            f"On {p['term_end']} the contract renews for a year at the seats then in "
            f"use: {p['seats_in_use']} of {p['seats_purchased']} seats are in use now, "
            f"so it would renew at {seats_text(p['renewal_seats'])} for "
            f"{money_text(p['amount'], p['currency'])}."
        ],
        action_label="Open billing",
        action_url=f"{admin}/billing",
    )


def _contract_expiring(p: dict[str, Any], org: str, admin: str) -> Content:
    """Announce the end of a contract that does not renew by itself."""
    return Content(
        subject=f"[{org}] Your contract ends on {p['term_end']}",
        headline=f"Contract ends in {p['days_left']} days",
        paragraphs=[
            f"The contract does not renew by itself. After {p['term_end']} nobody can "
            "take a seat until it is renewed."
        ],
        action_label="Open billing",
        action_url=f"{admin}/billing",
    )


def _certificate_expiring(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say when the identity provider's SAML certificate expires, and how to replace it."""
    expires_on = str(p["expires_at"])[:10]
    return Content(
        subject=f"[{org}] The SAML sign-in certificate expires on {expires_on}",
        headline=f"SAML certificate expires in {p['days_left']} days",
        paragraphs=[
            f"The signing certificate of the identity provider {p['idp_entity_id']} "
            f"expires on {expires_on}. After that nobody can sign in over SAML. Add the "
            "new certificate at the identity provider, then load its metadata again "
            "with `scim-gateway sso set-saml`: both certificates are accepted meanwhile."
        ],
        action_label="Open billing",
        action_url=f"{admin}/billing",
    )


def _token_expiring(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say which SCIM token expires when, and what to do before provisioning stops."""
    name = p.get("label") or f"{p.get('prefix', '')}…"
    expires_on = str(p["expires_at"])[:10]
    return Content(
        subject=f"[{org}] The SCIM token {name} expires on {expires_on}",
        headline=f"SCIM token {name} expires in {p['days_left']} days",
        paragraphs=[
            f"The SCIM token {name} expires on {expires_on}. After that the identity "
            "provider can no longer provision or deactivate anyone. Issue a new token "
            "(`scim-gateway token issue`), set it at the identity provider, then revoke "
            "this one."
        ],
        facts=[("Token", str(name)), ("Expires", expires_on)],
        action_label="Open billing",
        action_url=f"{admin}/billing",
    )


def _contract_renewed(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say the new term, its seats and the renewal's invoice."""
    return Content(
        subject=f"[{org}] Contract renewed until {p['term_end']}: "
        f"{seats_text(p['seats_purchased'])}",
        headline="Your contract was renewed",
        paragraphs=[
            f"The new term runs from {p['term_start']} to {p['term_end']} with "
            f"{seats_text(p['seats_purchased'])}. Invoice {p['invoice_number']}: "
            f"{money_text(p['amount'], p['currency'])}."
        ],
        action_label="View the invoice",
        action_url=f"{admin}/invoices/{p['invoice_number']}",
    )


def _contract_expired(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say the contract has expired and that nobody can take a seat until it is renewed."""
    return Content(
        subject=f"[{org}] Your contract has expired",
        headline="Your contract has expired",
        paragraphs=[
            f"The term ended on {p['term_end']} and the contract does not renew by itself. "
            "Members keep their data, but nobody can take a seat until it is renewed."
        ],
        action_label="Open billing",
        action_url=f"{admin}/billing",
    )


def _reclaim_upcoming(p: dict[str, Any], org: str, admin: str) -> Content:
    """The warning, 7 days ahead, of dormant seats to be reclaimed: who, and on which day."""
    people = p.get("people") or []
    count = int(p.get("people_count") or len(people))
    names = [
        f"{name_text({'identity': person.get('user_name'), **person})}: reclaimed on "
        f"{person['reclaim_on']}"
        for person in people
    ]
    first = min((person["reclaim_on"] for person in people), default=p.get("on"))
    return Content(
        subject=f"[{org}] {seats_text(count)} to be reclaimed from {first}",
        headline=f"{seats_text(count)} will be reclaimed",
        paragraphs=[
            f"These people have not signed in for {p['reclaim_after_days']} days. Their seats "
            "go back to the pool on the day shown, unless they sign in before. They keep "
            "their data, and their next sign-in takes a seat again if one is free."
        ],
        action_label="Open billing settings",
        action_url=f"{admin}/billing",
        names=names,
        more_names=max(count - len(names), 0),
    )


def delivery_test(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say that nothing happened: the text of webhook.test, and of any event not listed."""
    return Content(
        subject=f"[{org}] Test alert",
        headline="Test alert",
        paragraphs=["This is a test of the alert delivery. Nothing happened."],
        action_label="Open alert settings",
        action_url=f"{admin}/alerts",
    )


BUILDERS: dict[str, Builder] = {
    "usage.threshold": _usage_threshold,
    "seat.refused": _seat_refused,
    "seat.refused.digest": _seat_refused_digest,
    "seats.purchased": _seats_purchased,
    "renewal.upcoming": _renewal_upcoming,
    "contract.expiring": _contract_expiring,
    "sso.certificate_expiring": _certificate_expiring,
    "token.expiring": _token_expiring,
    "contract.renewed": _contract_renewed,
    "contract.expired": _contract_expired,
    "seats.reclaim_upcoming": _reclaim_upcoming,
    "webhook.test": delivery_test,
}
