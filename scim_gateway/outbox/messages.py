"""What each alert says: email subject and bodies, and the webhook's data."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from flask import render_template

from .claims import Claim


@dataclass(frozen=True)
class Content:
    """An alert as a person reads it."""

    subject: str
    headline: str
    paragraphs: list[str]
    action_label: str | None = None
    action_url: str | None = None
    facts: list[tuple[str, str]] = field(default_factory=list)
    names: list[str] = field(default_factory=list)
    more_names: int = 0


REFUSAL_REASONS = {
    "no_seat": "every seat is in use.",
    "contract_expired": "the contract has expired.",
    "jit_disabled": "they are not provisioned, and sign-in does not add people.",
}


def _seats(count: int) -> str:
    return f"{count} seat" if count == 1 else f"{count} seats"


def _money(decimal: str, currency: str) -> str:
    """Format an amount stored as text like "1775.81" as the pages do: "1,775.81 USD"."""
    return f"{Decimal(decimal):,} {currency}"


def _people(count: int) -> str:
    return "1 person" if count == 1 else f"{count} people"


def _name(person: dict[str, Any]) -> str:
    identity = str(person.get("identity") or person.get("email") or "someone")
    display = person.get("display_name")
    return f"{display} ({identity})" if display and display != identity else identity


def seats_to_add(threshold: int, seats_in_use: int, seats_purchased: int) -> int:
    """Return the seats that bring usage back under the threshold (at least 1)."""
    needed = seats_in_use * 100 // threshold + 1 - seats_purchased
    return max(needed, 1)


def forecast_paragraphs(forecast: dict[str, Any]) -> list[str]:
    """Say a threshold alert's projection: when seats run out and what lasts the term."""
    if not forecast:
        return []
    basis = forecast.get("basis")
    pace = f"{forecast['seats_per_30_days']:+g} seats per 30 days"
    if basis == "runs_out":
        return [
            f"Projection: at the current pace ({pace}) seats run out on {forecast['runs_out_on']}.",
            f"Recommended: add {_seats(forecast['recommended_add'])}, which last to the end "
            f"of the term on {forecast['term_end']}, for "
            f"{_money(forecast['recommended_amount'], forecast['currency'])} (prorated).",
        ]
    if basis == "not_enough_history":
        return [
            f"Projection: not enough history yet ({forecast['history_days']} days) to say "
            "when seats run out."
        ]
    if basis == "lasts_the_term":
        return [
            f"Projection: at the current pace ({pace}) the seats last to the end of the "
            f"term on {forecast['term_end']}."
        ]
    if basis == "not_growing":
        return [f"Projection: usage is not growing ({pace}), so no run-out date."]
    return []


def content_of(item: Claim, public_url: str) -> Content:
    """Return what the alert of a claimed delivery says, with a link where owners act."""
    p = item.payload
    org = item.organization_name
    admin = f"{public_url}/admin/{item.organization_slug}"

    def review(seats: int) -> str:
        return f"{admin}/billing/seats/review?seats={seats}"

    if item.event == "usage.threshold":
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
            action_label=f"Add {_seats(to_add)}",
            action_url=review(to_add),
        )
    if item.event == "seat.refused":
        who = _name(p)
        channel = "sign-in (SSO)" if p.get("channel") == "sso" else "provisioning (SCIM)"
        reason = p.get("reason") or "no_seat"
        why = REFUSAL_REASONS.get(reason, REFUSAL_REASONS["no_seat"])
        if reason == "no_seat" and p.get("seats_purchased") is not None:
            why = f"all {p['seats_purchased']} seats are in use."
        action = {
            "no_seat": ("Add 1 seat", review(1)),
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
    if item.event == "seat.refused.digest":
        people = p.get("people") or []
        count, people_count = int(p["refusals"]), int(p.get("people_count") or len(people))
        names = [_name(person) for person in people]
        return Content(
            subject=f"[{org}] {count} more seat refusals for {_people(people_count)}",
            headline=f"{count} more seat refusals since the last alert",
            paragraphs=[
                f"{_people(people_count)} were refused a seat {count} times in all "
                "(refusals after the first alert of a window are gathered here):"
            ],
            action_label=f"Add {_seats(people_count)}",
            action_url=review(people_count),
            facts=[("Seat requests", f"{admin}/seat-requests")],
            names=names,
            more_names=max(people_count - len(names), 0),
        )
    if item.event == "seats.purchased":
        return Content(
            subject=f"[{org}] Seats added: {p['seats_purchased']} seats now, "
            f"invoice {p['invoice_number']}",
            headline=f"{org} now has {_seats(p['seats_purchased'])}",
            paragraphs=[
                f"Seats were added on {p['issued_on']}. Invoice {p['invoice_number']}: "
                f"{_money(p['amount'], p['currency'])}."
            ],
            action_label="View the invoice",
            action_url=f"{admin}/invoices/{p['invoice_number']}",
        )
    if item.event in ("renewal.upcoming", "contract.expiring"):
        renews = item.event == "renewal.upcoming"
        return Content(
            subject=(
                f"[{org}] Your contract renews on {p['term_end']}: "
                f"{_seats(p['renewal_seats'])}, {_money(p['amount'], p['currency'])}"
                if renews
                else f"[{org}] Your contract ends on {p['term_end']}"
            ),
            headline=(
                f"Renewal in {p['days_left']} days"
                if renews
                else f"Contract ends in {p['days_left']} days"
            ),
            paragraphs=[
                (
                    f"On {p['term_end']} the contract renews for a year at the seats then in "
                    f"use: {p['seats_in_use']} of {p['seats_purchased']} seats are in use now, "
                    f"so it would renew at {_seats(p['renewal_seats'])} for "
                    f"{_money(p['amount'], p['currency'])}."
                )
                if renews
                else (
                    f"The contract does not renew by itself. After {p['term_end']} nobody can "
                    "take a seat until it is renewed."
                )
            ],
            action_label="Open billing",
            action_url=f"{admin}/billing",
        )
    if item.event == "sso.certificate_expiring":
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
    if item.event == "token.expiring":
        return _token_expiring(p, org, admin)
    if item.event == "contract.renewed":
        return Content(
            subject=f"[{org}] Contract renewed until {p['term_end']}: "
            f"{_seats(p['seats_purchased'])}",
            headline="Your contract was renewed",
            paragraphs=[
                f"The new term runs from {p['term_start']} to {p['term_end']} with "
                f"{_seats(p['seats_purchased'])}. Invoice {p['invoice_number']}: "
                f"{_money(p['amount'], p['currency'])}."
            ],
            action_label="View the invoice",
            action_url=f"{admin}/invoices/{p['invoice_number']}",
        )
    if item.event == "contract.expired":
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
    if item.event == "seats.reclaim_upcoming":
        return _reclaim_upcoming(p, org, admin)
    return Content(
        subject=f"[{org}] Test alert",
        headline="Test alert",
        paragraphs=["This is a test of the alert delivery. Nothing happened."],
        action_label="Open alert settings",
        action_url=f"{admin}/alerts",
    )


def _reclaim_upcoming(p: dict[str, Any], org: str, admin: str) -> Content:
    """The warning, 7 days ahead, of dormant seats to be reclaimed: who, and on which day."""
    people = p.get("people") or []
    count = int(p.get("people_count") or len(people))
    names = [
        f"{_name({'identity': person.get('user_name'), **person})}: reclaimed on "
        f"{person['reclaim_on']}"
        for person in people
    ]
    first = min((person["reclaim_on"] for person in people), default=p.get("on"))
    return Content(
        subject=f"[{org}] {_seats(count)} to be reclaimed from {first}",
        headline=f"{_seats(count)} will be reclaimed",
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


def render_email(content: Content) -> tuple[str, str]:
    """Return the plain-text and HTML bodies of an alert email."""
    text = render_template("email/alert.txt", c=content)
    html = render_template("email/alert.html", c=content)
    return text, html


def event_data(item: Claim) -> dict[str, Any]:
    """Return the webhook's data for an event of the log: the event and its organization."""
    return {
        **item.payload,
        "organization": {"slug": item.organization_slug, "name": item.organization_name},
    }


def webhook_data(item: Claim, content: Content) -> dict[str, Any]:
    """Return the webhook's data: the event's fields, the organization and the summary."""
    return {
        **item.payload,
        "organization": {"slug": item.organization_slug, "name": item.organization_name},
        "summary": content.subject,
        "url": content.action_url,
    }


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
