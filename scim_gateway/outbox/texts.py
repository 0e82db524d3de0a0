"""What each alert event says: one builder per event kind, named in one table.

Builders write in the language in force (the worker sets the organization's).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from flask_babel import ngettext

from . import term_texts
from .content import (
    REFUSAL_REASONS,
    Content,
    day_text,
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
    counts = {"org": org, "used": used, "bought": bought}
    return Content(
        subject=(
            _("[%(org)s] %(used)s of %(bought)s seats in use: none left", **counts)
            if full
            else _("[%(org)s] %(used)s of %(bought)s seats in use", **counts)
        ),
        headline=_(
            "%(org)s has reached %(threshold)s %% of its seats", org=org, threshold=threshold
        ),
        paragraphs=[
            _(
                "%(used)s of %(bought)s seats are in use. Every seat is taken: new people are "
                "refused until seats are added.",
                **counts,
            )
            if full
            else _(
                "%(used)s of %(bought)s seats are in use. When every seat is taken, new people "
                "are refused until seats are added.",
                **counts,
            ),
            *forecast_paragraphs(forecast),
        ],
        action_label=_("Add %(seats)s", seats=seats_text(to_add)),
        action_url=_review(admin, to_add),
    )


def _seat_refused(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say who was refused a seat, over which channel and why, and what undoes it."""
    who = name_text(p)
    reason = p.get("reason") or "no_seat"
    why = str(REFUSAL_REASONS.get(reason, REFUSAL_REASONS["no_seat"]))
    if reason == "no_seat" and p.get("seats_purchased") is not None:
        why = _("all %(count)s seats are in use.", count=p["seats_purchased"])
    action = {
        "no_seat": (_("Add 1 seat"), _review(admin, 1)),
        "contract_expired": (_("Open billing"), f"{admin}/billing"),
    }.get(reason, (_("Open seat requests"), f"{admin}/seat-requests"))
    paragraph = (
        _(
            "The sign-in (SSO) of %(who)s was refused: %(why)s They wait as a seat request.",
            who=who,
            why=why,
        )
        if p.get("channel") == "sso"
        else _(
            "The provisioning (SCIM) of %(who)s was refused: %(why)s They wait as a seat request.",
            who=who,
            why=why,
        )
    )
    return Content(
        subject=_("[%(org)s] Seat refused for %(who)s", org=org, who=who),
        headline=_("%(who)s was refused a seat", who=who),
        paragraphs=[paragraph],
        action_label=action[0],
        action_url=action[1],
        facts=[(_("Seat requests"), f"{admin}/seat-requests")],
    )


def _seat_refused_digest(p: dict[str, Any], org: str, admin: str) -> Content:
    """Gather the refusals after a window's first alert: how many, and of whom."""
    people = p.get("people") or []
    count, people_count = int(p["refusals"]), int(p.get("people_count") or len(people))
    names = [name_text(person) for person in people]
    who = people_text(people_count)
    return Content(
        subject=_(
            "[%(org)s] %(count)s more seat refusals for %(people)s",
            org=org,
            count=count,
            people=who,
        ),
        headline=_("%(count)s more seat refusals since the last alert", count=count),
        paragraphs=[
            _(
                "%(people)s were refused a seat %(count)s times in all (refusals after the "
                "first alert of a window are gathered here):",
                people=who,
                count=count,
            )
        ],
        action_label=_("Add %(seats)s", seats=seats_text(people_count)),
        action_url=_review(admin, people_count),
        facts=[(_("Seat requests"), f"{admin}/seat-requests")],
        names=names,
        more_names=max(people_count - len(names), 0),
    )


def _seats_purchased(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say the seats the organization has now, and the invoice of the purchase."""
    invoice = p["invoice_number"]
    return Content(
        subject=_(
            "[%(org)s] Seats added: %(count)s seats now, invoice %(invoice)s",
            org=org,
            count=p["seats_purchased"],
            invoice=invoice,
        ),
        headline=_("%(org)s now has %(seats)s", org=org, seats=seats_text(p["seats_purchased"])),
        paragraphs=[
            _(
                "Seats were added on %(day)s. Invoice %(invoice)s: %(amount)s.",
                day=day_text(p["issued_on"]),
                invoice=invoice,
                amount=money_text(p["amount"], p["currency"]),
            )
        ],
        action_label=_("View the invoice"),
        action_url=f"{admin}/invoices/{invoice}",
    )


def _reclaim_upcoming(p: dict[str, Any], org: str, admin: str) -> Content:
    """The warning, 7 days ahead, of dormant seats to be reclaimed: who, and on which day."""
    people = p.get("people") or []
    count = int(p.get("people_count") or len(people))
    names = [
        _(
            "%(name)s: reclaimed on %(day)s",
            name=name_text({"identity": person.get("user_name"), **person}),
            day=day_text(person["reclaim_on"]),
        )
        for person in people
    ]
    first = min((person["reclaim_on"] for person in people), default=p.get("on"))
    return Content(
        subject=_(
            "[%(org)s] %(seats)s to be reclaimed from %(day)s",
            org=org,
            seats=seats_text(count),
            day=day_text(str(first)),
        ),
        headline=ngettext(
            "%(seats)s will be reclaimed",
            "%(seats)s will be reclaimed",
            count,
            seats=seats_text(count),
        ),
        paragraphs=[
            _(
                "These people have not signed in for %(days)s days. Their seats go back to the "
                "pool on the day shown, unless they sign in before. They keep their data, and "
                "their next sign-in takes a seat again if one is free.",
                days=p["reclaim_after_days"],
            )
        ],
        action_label=_("Open billing settings"),
        action_url=f"{admin}/billing",
        names=names,
        more_names=max(count - len(names), 0),
    )


def delivery_test(p: dict[str, Any], org: str, admin: str) -> Content:
    """Say that nothing happened: the text of webhook.test, and of any event not listed."""
    return Content(
        subject=_("[%(org)s] Test alert", org=org),
        headline=_("Test alert"),
        paragraphs=[_("This is a test of the alert delivery. Nothing happened.")],
        action_label=_("Open alert settings"),
        action_url=f"{admin}/alerts",
    )


BUILDERS: dict[str, Builder] = {
    "usage.threshold": _usage_threshold,
    "seat.refused": _seat_refused,
    "seat.refused.digest": _seat_refused_digest,
    "seats.purchased": _seats_purchased,
    "renewal.upcoming": term_texts.renewal_upcoming,
    "contract.expiring": term_texts.contract_expiring,
    "sso.certificate_expiring": term_texts.certificate_expiring,
    "token.expiring": term_texts.token_expiring,
    "contract.renewed": term_texts.contract_renewed,
    "contract.expired": term_texts.contract_expired,
    "seats.reclaim_upcoming": _reclaim_upcoming,
    "webhook.test": delivery_test,
}
