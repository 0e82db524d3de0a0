"""Taking a seat, one implementation per database behind one interface.

Each takes the seat, holds it, logs seat.taken (with member.created, for a member the
take creates) and admits the member's pending seat requests, or writes nothing and
returns None when the guard of statements.TAKE_SEAT refuses. How many statements that
costs is each database's own affair (statements.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from . import events as event_log
from .actors import current_actor
from .fastpath import at_once, statements
from .fastpath.identity_map import can_join, new_row, written
from .fastpath.statements import Taken
from .history import counts
from .models import Member
from .terms import local_date

ONE_DAY = timedelta(days=1)


class Take:
    """How a database takes a seat for a member."""

    # True when a take given no day may refuse near a term's first or last day though a
    # seat is free: the caller then asks again for the contract's local day.
    approximates_day = False
    # True when the take logs its seat.taken event itself (both do); else the caller does.
    logs_taken = True
    # True when a take given created refuses under licensed groups by itself, so that the
    # caller need not ask first whether groups license seats.
    checks_licensing = False
    # True when the database can create an active member by one statement that is a
    # transaction by itself (take_alone), on a connection in autocommit.
    takes_alone = False

    def joins(self, session: Session, member: Member) -> bool:
        """Tell whether the member's INSERT can be written by the take itself."""
        return can_join(session, member)

    def take(
        self,
        connection: Connection,
        member: Member,
        *,
        at: datetime,
        on: date | None,
        joining: bool,
        created: Mapping[str, Any] | None = None,
    ) -> Taken | None:
        """Take a seat for the member on the day on (None: the contract's local day).

        When joining, the new member is written too, seat or no seat; a session holding it
        must then be told (identity_map.written). Given created, the data of the member's
        member.created event, the take logs it with seat.taken, in one statement, only if
        the seat is taken: the caller then does nothing else with a refused take.
        """
        raise NotImplementedError

    def take_alone(self, connection: Connection, member: Member, *, at: datetime) -> Taken | None:
        """Create the active member and take its seat by one statement, in autocommit.

        As take given joining and created, except that a refused take writes nothing at all,
        not even the member, and that it also refuses a take that would bring usage to an
        alert threshold (at_once.TAKE_SEAT_ALONE). Only where takes_alone is set.
        """
        raise NotImplementedError


class SqliteTake(Take):
    """Three or four statements in process, the first asking for the days around UTC's."""

    approximates_day = True

    def take(
        self,
        connection: Connection,
        member: Member,
        *,
        at: datetime,
        on: date | None,
        joining: bool,
        created: Mapping[str, Any] | None = None,
    ) -> Taken | None:
        if joining:
            # Written first by its own INSERT (a default id is set on the member here),
            # seat or no seat, as the ORM's flush would have written it.
            write_member(connection, member)
        common = {"p_organization_id": member.organization_id, "p_member_id": member.id, "p_at": at}
        if on is None:
            # The term covers the local day if it covers the days either side of UTC's.
            utc_day = at.astimezone(UTC).date()
            days = {"p_on": utc_day - ONE_DAY, "p_until": utc_day + ONE_DAY}
        else:
            days = {"p_on": on, "p_until": on}
        keys = identity_keys(member)
        taken = statements.TAKE_SEAT.first(connection, {**common, **keys, **days})
        if taken is None:
            return None
        day = on or local_date(at, taken.timezone)
        statements.INSERT_SEAT.run(connection, {**common, "p_contract_id": taken.contract_id})
        log_taken(connection, member, taken, on=day, at=at, created=created)
        if taken.has_pending:
            statements.ADMIT_REQUESTS.run(connection, {**common, **keys})
        return Taken(
            taken.contract_id,
            taken.seats_used,
            taken.seats_purchased,
            taken.term_index,
            taken.thresholds,
        )


class PostgresqlTake(Take):
    """One statement, a round trip, joined by a new member's INSERT when it can be."""

    checks_licensing = True
    takes_alone = True

    def take(
        self,
        connection: Connection,
        member: Member,
        *,
        at: datetime,
        on: date | None,
        joining: bool,
        created: Mapping[str, Any] | None = None,
    ) -> Taken | None:
        # First: a default id is set on the member here.
        row = new_row(member) if joining else {}
        parameters = _take_parameters(member, at=at, on=on)
        if not joining:
            return at_once.TAKE_SEAT_AT_ONCE.first(connection, parameters)
        if created is not None:
            # member.created's data is the statement's own: an active member, its source.
            return at_once.TAKE_SEAT_CREATING.first(connection, {**parameters, **row})
        return at_once.TAKE_SEAT_JOINING.first(connection, {**parameters, **row})

    def take_alone(self, connection: Connection, member: Member, *, at: datetime) -> Taken | None:
        row = new_row(member)
        parameters = _take_parameters(member, at=at, on=None)
        return at_once.TAKE_SEAT_ALONE_CALL.first(connection, {**parameters, **row})


def _take_parameters(member: Member, *, at: datetime, on: date | None) -> dict[str, Any]:
    return {
        "p_organization_id": member.organization_id,
        "p_member_id": member.id,
        "p_at": at,
        "p_on": on,
        **identity_keys(member),
        **actor_parameters(member),
    }


_TAKES: dict[str, Take] = {"sqlite": SqliteTake(), "postgresql": PostgresqlTake()}


def insert_member(session: Session, member: Member) -> None:
    """Write a new member, the session's one change, by one prepared INSERT, not a flush."""
    write_member(session.connection(), member)
    written(session, member)


def write_member(connection: Connection, member: Member) -> None:
    """Write a new member, held by no session, by one prepared INSERT."""
    statements.INSERT_MEMBER.run(connection, new_row(member))


def take_for(session: Session) -> Take:
    """Return how the session's database takes a seat."""
    return _TAKES[session.get_bind().dialect.name]


def take_on(connection: Connection) -> Take:
    """Return how the connection's database takes a seat."""
    return _TAKES[connection.dialect.name]


def take_by(dialect_name: str) -> Take:
    """Return how the database of that dialect takes a seat."""
    return _TAKES[dialect_name]


def identity_keys(member: Member) -> dict[str, str]:
    """Return the keys a seat request of this member would be remembered under."""
    other = member.email_key or member.user_name_key
    return {"p_key": member.user_name_key, "p_other_key": other}


def actor_parameters(member: Member) -> dict[str, str | None]:
    """Return who takes the seat and for whom, for the seat.taken the take logs itself.

    The same columns as seat_core/events.py's record writes on SQLite.
    """
    actor = current_actor()
    return {
        "p_actor_type": actor.type,
        "p_actor_id": actor.id,
        "p_actor_label": None if actor.label is None else actor.label[:320],
        "p_subject": member.user_name[:320],
    }


def log_taken(
    connection: Connection,
    member: Member,
    taken: statements.TakenNearby,
    *,
    on: date,
    at: datetime,
    created: Mapping[str, Any] | None,
) -> None:
    """Log seat.taken with the counts of the usage history, after member.created if given.

    Both events are one INSERT: the log costs a create one statement.
    """
    subject = member.user_name
    data = {"member_id": member.id}
    taken_data = data | counts(taken.seats_used, taken.seats_purchased, taken.term_index, on=on)
    if created is None:
        event_log.record(
            connection,
            member.organization_id,
            "seat.taken",
            at=at,
            subject=subject,
            data=taken_data,
        )
        return
    actor = current_actor()
    seat_taken = event_log.parameters(
        member.organization_id, "seat.taken", at, subject, taken_data, actor
    )
    member_created = event_log.parameters(
        member.organization_id, "member.created", at, subject, data | dict(created), actor
    )
    event_log.record_pair(connection, member_created, seat_taken)
