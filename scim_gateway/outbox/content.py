"""What an alert says as a person reads it, and the words its texts share.

The texts are written in the language in force (the worker runs each delivery in its
organization's language, i18n.in_language); English keeps the words, amounts and ISO dates
the alerts always had.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext

from .. import i18n


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
    "no_seat": _l("every seat is in use."),
    "contract_expired": _l("the contract has expired."),
    "jit_disabled": _l("they are not provisioned, and sign-in does not add people."),
}


def seats_text(count: int) -> str:
    """Say a number of seats: "1 seat", "2 seats"."""
    return ngettext("%(num)d seat", "%(num)d seats", count)


def money_text(decimal: str, currency: str) -> str:
    """Format an amount stored as text like "1775.81" as the pages do: "1,775.81 USD"."""
    return i18n.money_of(Decimal(decimal), currency)


def day_text(value: str) -> str:
    """Write a day of a payload ("2026-03-01"): as it is in English, in words otherwise."""
    if i18n.language() == "en":
        return value
    return i18n.day(date.fromisoformat(str(value)[:10]))


def instant_text(value: datetime) -> str:
    """Write an instant of a payload: "2026-03-01 14:00 UTC" in English, in words otherwise."""
    if i18n.language() == "en":
        return value.strftime("%Y-%m-%d %H:%M UTC")
    return i18n.day(value)


def people_text(count: int) -> str:
    """Say a number of people: "1 person", "2 people"."""
    return ngettext("%(num)d person", "%(num)d people", count)


def name_text(person: dict[str, Any]) -> str:
    """Name a person by display name and identity, or whichever of them is known."""
    identity = str(person.get("identity") or person.get("email") or _("someone"))
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
    pace = i18n.pace(forecast["seats_per_30_days"])
    if basis == "runs_out":
        return [
            _(
                "Projection: at the current pace (%(pace)s) seats run out on %(day)s.",
                pace=pace,
                day=day_text(forecast["runs_out_on"]),
            ),
            _(
                "Recommended: add %(seats)s, which last to the end of the term on %(day)s, "
                "for %(amount)s (prorated).",
                seats=seats_text(forecast["recommended_add"]),
                day=day_text(forecast["term_end"]),
                amount=money_text(forecast["recommended_amount"], forecast["currency"]),
            ),
        ]
    if basis == "not_enough_history":
        return [
            _(
                "Projection: not enough history yet (%(days)s days) to say when seats run out.",
                days=forecast["history_days"],
            )
        ]
    if basis == "lasts_the_term":
        return [
            _(
                "Projection: at the current pace (%(pace)s) the seats last to the end of the "
                "term on %(day)s.",
                pace=pace,
                day=day_text(forecast["term_end"]),
            )
        ]
    if basis == "not_growing":
        return [_("Projection: usage is not growing (%(pace)s), so no run-out date.", pace=pace)]
    return []
