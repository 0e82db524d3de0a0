"""The usage history: the seat counts the event log's seat events carry, read back by day.

One history, the event log: every event that changes seats in use or purchased
(HISTORY_TYPES) carries the counts after the change, the term they belong to and the
contract's local day it happened on (`counts`). The usage chart reads each day's closing
counts, and the forecast each day's peak, from those events (docs/forecast.md).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import ColumnElement, func, select
from sqlalchemy.orm import Session

from .models import Event

HISTORY_TYPES = (
    "seat.taken",
    "seat.released",
    "seats.purchased",
    "contract.renewed",
    "contract.expired",
)

_on = Event.data["on"].as_string()
_used = Event.data["seats_used"].as_integer()
_purchased = Event.data["seats_purchased"].as_integer()
_term = Event.data["term_index"].as_integer()


def counts(seats_used: int, seats_purchased: int, term_index: int, *, on: date) -> dict[str, Any]:
    """Return what an event of HISTORY_TYPES carries for the history: the counts after it."""
    return {
        "seats_used": seats_used,
        "seats_purchased": seats_purchased,
        "term_index": term_index,
        "on": on.isoformat(),
    }


def _ours(organization_id: int, *more: ColumnElement[bool]) -> Any:
    """The organization's history events, with more conditions: (on, used, purchased, at, id)."""
    return (
        select(
            _on.label("on"),
            _used.label("used"),
            _purchased.label("purchased"),
            Event.occurred_at.label("at"),
            Event.id.label("id"),
        )
        .where(
            Event.organization_id == organization_id,
            Event.type.in_(HISTORY_TYPES),
            _on.is_not(None),
            *more,
        )
        .subquery()
    )


def closing_counts(
    session: Session, organization_id: int, *, term_index: int, since: datetime
) -> list[tuple[date, int, int]]:
    """Return each day's closing seats in use and purchased in a term, oldest first.

    The last event of a day is its closing count: one row per day, however many seats
    changed hands. since bounds the events read (the term's first day, less one).
    """
    rows = _ours(organization_id, Event.occurred_at >= since, _term == term_index)
    last_of_day = select(func.max(rows.c.id)).group_by(rows.c.on)
    closing = _ours(organization_id, Event.id.in_(last_of_day))
    found = session.execute(
        select(closing.c.on, closing.c.used, closing.c.purchased).order_by(closing.c.on)
    ).all()
    return [(date.fromisoformat(on), used, bought) for on, used, bought in found]


def first_day(session: Session, organization_id: int) -> date | None:
    """Return the day of the organization's first history event, or None when it has none."""
    rows = _ours(organization_id)
    on = session.scalar(select(rows.c.on).order_by(rows.c.at, rows.c.id).limit(1))
    return None if on is None else date.fromisoformat(on)


def daily_changes(
    session: Session, organization_id: int, *, after: datetime, first: date, last: date
) -> list[tuple[date, int, int]]:
    """Return each day from first to last that seats changed: its peak and closing count.

    after bounds the events read: an event's local day is within a day of its UTC one.
    """
    rows = _ours(
        organization_id,
        Event.occurred_at >= after,
        _on >= first.isoformat(),
        _on <= last.isoformat(),
    )
    days = session.execute(
        select(rows.c.on, func.max(rows.c.used), func.max(rows.c.id))
        .group_by(rows.c.on)
        .order_by(rows.c.on)
    ).all()
    closing = _ours(organization_id, Event.id.in_([last_id for _, _, last_id in days]))
    closes = {id_: used for id_, used in session.execute(select(closing.c.id, closing.c.used))}
    return [(date.fromisoformat(on), int(peak), closes[last_id]) for on, peak, last_id in days]


def opening_count(
    session: Session, organization_id: int, *, before: datetime, first: date
) -> int | None:
    """Return the seats in use at the start of the day first: the last count before it."""
    rows = _ours(organization_id, Event.occurred_at < before, _on < first.isoformat())
    return session.scalar(select(rows.c.used).order_by(rows.c.at.desc(), rows.c.id.desc()).limit(1))
