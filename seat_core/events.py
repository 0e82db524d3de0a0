"""The event log: record who did what in the transaction that does it, and read it back.

One function writes every event (record); it is a single prepared INSERT, so that the
log costs a request one short statement. Who acted comes from seat_core/actors.py. On
PostgreSQL a seat's take logs its seat.taken in its own single statement
(fastpath/statements.py), with the same columns. What an event must never carry: secrets,
passwords, tokens (docs/events.md).

Reading in order without skipping or repeating (docs/events.md, "Cursor"): on PostgreSQL
ids are taken in one order and committed in another, so an event is stored with the id of
the transaction that wrote it, and a reader is served, ordered by (xact_id, id), only the
events of transactions older than every transaction of this database still running (the
HORIZON). Every event not yet visible then sorts after every event served. SQLite writes
one transaction at a time (BEGIN IMMEDIATE), so there xact_id is 0 and the id is the
commit order.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    Connection,
    Table,
    delete,
    func,
    insert,
    literal,
    select,
    text,
    tuple_,
)
from sqlalchemy.orm import Session

from .actors import SYSTEM, Actor, act_as, acting_as, current_actor
from .fastpath.prepared import NoRow, Prepared
from .fastpath.statements import PG_XACT_ID, event_values
from .history import HISTORY_TYPES
from .models import EVENT_TYPES, Event

event_table = cast(Table, Event.__table__)

DEFAULT_RETENTION_DAYS = 400
# A term (up to 366 days) and its first day's eve: how long the usage history is kept.
HISTORY_DAYS = 400
MAX_PAGE = 1000

__all__ = [
    "SYSTEM",
    "Actor",
    "Cursor",
    "Filters",
    "InvalidCursor",
    "Page",
    "act_as",
    "acting_as",
    "as_dict",
    "current_actor",
    "parse_cursor",
    "prune_events",
    "read_after",
    "record",
    "search_events",
]


INSERT_EVENT = Prepared(
    {
        "sqlite": insert(event_table).values(event_values(literal(0, BigInteger))),
        "postgresql": insert(event_table).values(event_values(PG_XACT_ID)),
    },
    NoRow,
)
# Two events at once, in order: the parameters of each with the suffix _1 or _2.
INSERT_TWO_EVENTS = Prepared(
    {
        "sqlite": insert(event_table).values(
            [event_values(literal(0, BigInteger), "_1"), event_values(literal(0, BigInteger), "_2")]
        ),
        "postgresql": insert(event_table).values(
            [event_values(PG_XACT_ID, "_1"), event_values(PG_XACT_ID, "_2")]
        ),
    },
    NoRow,
)


def record_pair(connection: Connection, first: dict[str, Any], second: dict[str, Any]) -> None:
    """Append two events, each given by its parameters(), by one INSERT, first before second."""
    INSERT_TWO_EVENTS.run(connection, pair_values(first, second))


def pair_values(first: dict[str, Any], second: dict[str, Any]) -> dict[str, Any]:
    """Return the bound values of INSERT_TWO_EVENTS for two events' parameters()."""
    values = {f"{name}_1": value for name, value in first.items()}
    values |= {f"{name}_2": value for name, value in second.items()}
    return values


def record(
    target: Session | Connection,
    organization_id: int,
    type: str,
    *,
    at: datetime,
    subject: str | None = None,
    data: dict[str, Any] | None = None,
    actor: Actor | None = None,
) -> None:
    """Append an event to the organization's log, in the transaction of the change.

    The actor is who acts in this context unless given.
    """
    if type not in EVENT_TYPES:
        raise ValueError(f"unknown event type {type!r}")
    who = actor or current_actor()
    connection = target.connection() if isinstance(target, Session) else target
    INSERT_EVENT.run(connection, parameters(organization_id, type, at, subject, data, who))


def parameters(
    organization_id: int,
    type: str,
    at: datetime,
    subject: str | None,
    data: dict[str, Any] | None,
    actor: Actor,
) -> dict[str, Any]:
    """Return the bound values of one event's INSERT."""
    return {
        "organization_id": organization_id,
        "type": type,
        "occurred_at": at,
        "actor_type": actor.type,
        "actor_id": actor.id,
        "actor_label": None if actor.label is None else actor.label[:320],
        "subject": None if subject is None else subject[:320],
        "data": data or {},
    }


@dataclass(frozen=True)
class Cursor:
    """A position in an organization's log: after the event (xact_id, id)."""

    xact_id: int
    id: int

    def text(self) -> str:
        """Return the cursor as the opaque string clients send back."""
        return f"{self.xact_id}-{self.id}"


class InvalidCursor(ValueError):
    """A cursor that no page of the log ever returned."""


def parse_cursor(text: str) -> Cursor:
    """Read a cursor a client sent back.

    :raises InvalidCursor: when it is not one.
    """
    xact, _, ident = text.partition("-")
    if not (xact.isascii() and xact.isdigit() and ident.isascii() and ident.isdigit()):
        raise InvalidCursor(f"{text[:40]!r} is not a cursor of this log")
    if len(xact) > 20 or len(ident) > 20 or int(xact) >= 2**63 or int(ident) >= 2**63:
        raise InvalidCursor(f"{text[:40]!r} is not a cursor of this log")
    return Cursor(int(xact), int(ident))


# Before every event: ids start at 1, and transaction ids (0 on SQLite) are never negative.
START = Cursor(0, 0)


@dataclass(frozen=True)
class Page:
    """Events after a cursor, and the cursor to ask for the next ones with."""

    events: Sequence[Event]
    next_cursor: Cursor


# The oldest transaction id of this database that may still write: the least of the ids of
# its running transactions and of the next id to come (the snapshot's xmax). Other
# databases of the server write no events here, so their long transactions hold nothing
# back, as the snapshot's own xmin would. pg_stat_activity gives 32-bit ids: each is
# widened to the 64-bit id of pg_current_xact_id, as the one within 2**32 below xmax.
HORIZON = text(
    """
    SELECT least(x.xmax, min(x.xmax - ((x.xmax % 4294967296
                                        - a.backend_xid::text::bigint + 4294967296)
                                       % 4294967296)))
    FROM (SELECT pg_snapshot_xmax(pg_current_snapshot())::text::bigint AS xmax) AS x
    LEFT JOIN pg_stat_activity AS a
      ON a.datid = (SELECT oid FROM pg_database WHERE datname = current_database())
     AND a.backend_xid IS NOT NULL
    GROUP BY x.xmax
    """
)

CLEAR_ACTIVITY = text("SELECT pg_stat_clear_snapshot()")


def read_after(
    session: Session,
    organization_id: int,
    *,
    after: Cursor = START,
    limit: int = 100,
    types: Sequence[str] = (),
) -> Page:
    """Return the organization's events after the cursor, oldest first, as many as limit.

    Only events whose transaction committed before every running one began are served,
    so that a later page never brings one that sorts before this page's last.
    """
    query = (
        select(Event)
        .where(
            Event.organization_id == organization_id,
            tuple_(Event.xact_id, Event.id) > tuple_(literal(after.xact_id), literal(after.id)),
        )
        .order_by(Event.xact_id, Event.id)
        .limit(limit)
    )
    if session.get_bind().dialect.name == "postgresql":
        # pg_stat_activity is read once per transaction, then kept: read it afresh. And
        # read the horizon first, on its own: the events are read with a later snapshot.
        session.execute(CLEAR_ACTIVITY)
        horizon = session.scalar(HORIZON)
        query = query.where(Event.xact_id < horizon)
    if types:
        query = query.where(Event.type.in_(types))
    events = session.scalars(query).all()
    last = Cursor(events[-1].xact_id, events[-1].id) if events else after
    return Page(events, last)


def as_dict(event: Event) -> dict[str, Any]:
    """Return an event as the API, the CSV and webhooks show it."""
    return {
        "id": str(event.id),
        "type": event.type,
        "occurred_at": event.occurred_at.isoformat().replace("+00:00", "Z"),
        "actor": {"type": event.actor_type, "id": event.actor_id, "label": event.actor_label},
        "subject": event.subject,
        "data": event.data,
    }


def prune_events(session: Session, *, at: datetime, days: int = DEFAULT_RETENTION_DAYS) -> int:
    """Delete the events older than the retention period; return how many went.

    The only DELETE of the log: events are never changed. The usage history's events
    (history.py) stay at least HISTORY_DAYS, whatever the retention: the chart reads a
    whole term of them.
    """
    history = at - timedelta(days=max(days, HISTORY_DAYS))
    result = session.execute(
        delete(Event).where(
            Event.occurred_at < at - timedelta(days=days),
            Event.type.not_in(HISTORY_TYPES) | (Event.occurred_at < history),
        )
    )
    return int(result.rowcount)  # type: ignore[attr-defined]


@dataclass(frozen=True)
class Filters:
    """What an owner looks for in the log: types, an actor's text, UTC days from and to."""

    types: Sequence[str] = ()
    actor: str = ""
    since: date | None = None
    until: date | None = None


def search_events(
    session: Session,
    organization_id: int,
    filters: Filters,
    *,
    before: int | None = None,
    limit: int | None = 50,
) -> Sequence[Event]:
    """Return the organization's matching events, newest first, with ids below before.

    The actor's text matches the actor's label or id, ignoring case; the days include both.
    """
    query = select(Event).where(Event.organization_id == organization_id)
    if filters.types:
        query = query.where(Event.type.in_(filters.types))
    if filters.actor:
        text_ = filters.actor.lower()
        query = query.where(
            func.lower(Event.actor_label).contains(text_, autoescape=True)
            | (Event.actor_id == filters.actor)
            | (Event.actor_type == text_)
        )
    if filters.since is not None:
        query = query.where(Event.occurred_at >= _midnight(filters.since))
    if filters.until is not None:
        query = query.where(Event.occurred_at < _midnight(filters.until + timedelta(days=1)))
    if before is not None:
        query = query.where(Event.id < before)
    return session.scalars(query.order_by(Event.id.desc()).limit(limit)).all()


def _midnight(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, tzinfo=UTC)
