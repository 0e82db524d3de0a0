"""What an alert says as a person reads it, and the words its texts share."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any


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


def seats_text(count: int) -> str:
    """Say a number of seats: "1 seat", "2 seats"."""
    return f"{count} seat" if count == 1 else f"{count} seats"


def money_text(decimal: str, currency: str) -> str:
    """Format an amount stored as text like "1775.81" as the pages do: "1,775.81 USD"."""
    return f"{Decimal(decimal):,} {currency}"


def people_text(count: int) -> str:
    """Say a number of people: "1 person", "2 people"."""
    return "1 person" if count == 1 else f"{count} people"


def name_text(person: dict[str, Any]) -> str:
    """Name a person by display name and identity, or whichever of them is known."""
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
            f"Recommended: add {seats_text(forecast['recommended_add'])}, which last to the end "
            f"of the term on {forecast['term_end']}, for "
            f"{money_text(forecast['recommended_amount'], forecast['currency'])} (prorated).",
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
