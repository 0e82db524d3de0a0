"""The seat forecast: the day seats run out at the current pace, and a purchase that lasts.

The pace is the Theil-Sen slope of the daily peak of seats in use over the last
WINDOW_DAYS days: the median of the slopes between every two days. A one-day spike moves
few of those slopes, so it barely moves the median (a least-squares line would follow it),
and a short history is reported as such rather than stretched into a date. See
docs/forecast.md.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from fractions import Fraction
from statistics import median
from typing import Any

from sqlalchemy.orm import Session

from .billing import MAX_SEATS_PER_PURCHASE, quote_purchase
from .contracts import contract_of
from .history import daily_changes, first_day, opening_count
from .models import Contract, Organization
from .terms import format_money, local_date

# Days of history the pace is measured over, and the fewest that give a pace at all.
WINDOW_DAYS = 90
MIN_HISTORY_DAYS = 14

# Why a forecast says what it says.
NOT_ENOUGH_HISTORY = "not_enough_history"
NOT_GROWING = "not_growing"
LASTS_THE_TERM = "lasts_the_term"
RUNS_OUT = "runs_out"
CONTRACT_ENDED = "contract_ended"


@dataclass(frozen=True)
class Trend:
    """The line through a daily history, and when it reaches the seats purchased."""

    basis: str
    per_day: Fraction
    # Seats in use today on the fitted line.
    level: Fraction
    runs_out_on: date | None
    # Seats in use on the term's last day on the line, rounded up.
    seats_needed: int


@dataclass(frozen=True)
class Forecast:
    """A contract's projection and the purchase that lasts to the end of its term."""

    basis: str
    history_days: int
    runs_out_on: date | None
    per_day: Fraction
    recommended_add: int
    recommended_amount_minor: int
    currency: str
    term_end: date
    # Seats in use today on the fitted line (the count itself without enough history).
    level: Fraction = Fraction(0)

    @property
    def seats_per_30_days(self) -> float:
        """The pace in seats per 30 days, to one decimal."""
        return round(float(self.per_day * 30), 1)

    def summary(self) -> dict[str, Any]:
        """Describe the forecast as JSON: the command line's and the alerts' "forecast"."""
        return {
            "runs_out_on": self.runs_out_on.isoformat() if self.runs_out_on else None,
            "seats_per_30_days": self.seats_per_30_days,
            "recommended_add": self.recommended_add,
            "recommended_amount": format_money(self.recommended_amount_minor, self.currency),
            "currency": self.currency,
            "term_end": self.term_end.isoformat(),
            "basis": self.basis,
            "history_days": self.history_days,
        }


def daily_peaks(
    opening: int, days: Sequence[tuple[date, int, int]], *, first: date, last: date
) -> list[int]:
    """Return the peak of seats in use on each day from first to last, both included.

    opening is the count when first begins; days holds (day, peak, closing count) for the
    days that had changes, in order. A day without changes stays at the previous close.
    """
    by_day = {day: (peak, close) for day, peak, close in days}
    peaks: list[int] = []
    current = opening
    day = first
    while day <= last:
        peak, close = by_day.get(day, (current, current))
        peaks.append(max(peak, current))
        current = close
        day += timedelta(days=1)
    return peaks


def theil_sen(values: Sequence[int]) -> tuple[Fraction, Fraction]:
    """Return the slope and intercept (at index 0) of the Theil-Sen line through values.

    Exact: the median of the slopes between every two points, and the median of what each
    point leaves above the slope. Needs at least two values.
    """
    if len(values) < 2:
        raise ValueError("a line needs at least two points")
    slopes = [
        Fraction(values[j] - values[i], j - i)
        for i in range(len(values))
        for j in range(i + 1, len(values))
    ]
    slope = Fraction(median(slopes))
    intercept = Fraction(median(value - slope * index for index, value in enumerate(values)))
    return slope, intercept


def project(
    peaks: Sequence[int],
    *,
    today: date,
    seats_purchased: int,
    seats_in_use: int,
    term_end: date,
) -> Trend:
    """Project the daily peaks, the last of which is today's, to the term's last day."""
    if len(peaks) < MIN_HISTORY_DAYS:
        return Trend(NOT_ENOUGH_HISTORY, Fraction(0), Fraction(seats_in_use), None, 0)
    slope, intercept = theil_sen(peaks)
    level = intercept + slope * (len(peaks) - 1)
    last_day = term_end - timedelta(days=1)
    at_end = level + slope * max((last_day - today).days, 0)
    needed = max(math.ceil(at_end), 0)
    if slope <= 0:
        return Trend(NOT_GROWING, slope, level, None, needed)
    if seats_in_use >= seats_purchased or level >= seats_purchased:
        runs_out = today
    else:
        runs_out = today + timedelta(days=math.ceil((seats_purchased - level) / slope))
    if runs_out > last_day:
        return Trend(LASTS_THE_TERM, slope, level, None, needed)
    return Trend(RUNS_OUT, slope, level, runs_out, needed)


def recommended_seats(trend: Trend, seats_purchased: int, max_seats: int) -> int:
    """Return the seats to add so that the projection lasts the term (0 when it does)."""
    if trend.basis != RUNS_OUT:
        return 0
    return min(max(trend.seats_needed - seats_purchased, 1), max_seats)


def history(
    session: Session, contract: Contract, organization: Organization, *, today: date
) -> tuple[date, list[int]]:
    """Return the first day of the contract's daily history in the window, and its peaks.

    Derived from the event log's seat events (history.py): a day's peak is its highest
    count, or the count it opened with when it only released seats. History begins at the
    organization's creation or at its first event, whichever is earlier, and never before
    the contract.
    """
    ours = organization.id
    # Every read below walks the (organization, occurred_at) index: an event's local day is
    # within a day of its UTC instant's, so these bounds on it keep the days wanted.
    first_event = first_day(session, ours)
    created = local_date(organization.created_at, contract.timezone)
    begins = min(created, first_event) if first_event is not None else created
    first = max(begins, contract.origin, today - timedelta(days=WINDOW_DAYS - 1))
    if first > today:
        return today, []
    after = datetime.combine(first - timedelta(days=1), time(), UTC)
    before = datetime.combine(first + timedelta(days=2), time(), UTC)
    changes = daily_changes(session, ours, after=after, first=first, last=today)
    opening = opening_count(session, ours, before=before, first=first)
    return first, daily_peaks(opening or 0, changes, first=first, last=today)


def forecast_of(
    session: Session,
    organization: Organization,
    *,
    today: date,
    max_seats: int = MAX_SEATS_PER_PURCHASE,
) -> Forecast:
    """Return the organization's forecast on today, its purchase priced by the quote."""
    contract = contract_of(session, organization.id)
    if contract.status != "active" or not contract.term_start <= today < contract.term_end:
        return Forecast(
            CONTRACT_ENDED, 0, None, Fraction(0), 0, 0, contract.currency, contract.term_end
        )
    _, peaks = history(session, contract, organization, today=today)
    trend = project(
        peaks,
        today=today,
        seats_purchased=contract.seats_purchased,
        seats_in_use=contract.seats_used,
        term_end=contract.term_end,
    )
    add = recommended_seats(trend, contract.seats_purchased, max_seats)
    amount = 0
    if add:
        amount = quote_purchase(
            session, organization, seats=add, on=today, max_seats=max_seats
        ).amount_minor
    return Forecast(
        basis=trend.basis,
        history_days=len(peaks),
        runs_out_on=trend.runs_out_on,
        per_day=trend.per_day,
        recommended_add=add,
        recommended_amount_minor=amount,
        currency=contract.currency,
        term_end=contract.term_end,
        level=trend.level,
    )


def alert_projection(session: Session, organization_id: int, at: datetime) -> dict[str, Any]:
    """Return the forecast a usage alert carries, on the day of at in the billing zone."""
    organization = session.get_one(Organization, organization_id)
    today = local_date(at, contract_of(session, organization_id).timezone)
    return forecast_of(session, organization, today=today).summary()
