"""Creating a member on a bare connection, without an ORM session: the common case of a
SCIM create, by prepared statements, and on PostgreSQL by one statement in autocommit."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, Engine

from . import events
from .alerts import crossed, thresholds_from
from .fastpath import Taken, at_once
from .fastpath.identity_map import new_row
from .hooks import wanted
from .ledger import seat_taken, taken_change
from .licensing import licensed_on
from .members import log_member
from .models import Member, new_id
from .takes import take_by, take_on, write_member

# Organizations whose next seat would bring usage to an alert threshold, or whose last
# create TAKE_SEAT_ALONE declined (no seat free, groups licensing seats, a term to renew),
# as this process last saw them. An active member of one is created in a transaction at
# once, not first by that statement, which would decline again: a round trip for nothing.
# Only a hint: the guard decides, and the next take in a transaction notes it again.
_CROWDED: set[int] = set()
_CROWDED_AT_MOST = 10_000


def create_member(
    connection: Connection, member: Member, *, at: datetime, active: bool
) -> bool | None:
    """Write a new member, with its seat if it is to be active, as add_member does, without
    an ORM session: the common case of a create, in the connection's transaction.

    Return whether a seat was taken, or None when the case is not the common one: the seat
    guard refused, which may mean a term to renew, a day to ask again, a refusal or, on
    PostgreSQL, groups that license seats (the take asks). The caller then rolls back and
    calls add_member in a session, which finds out why. The member is held by no session,
    and is left as add_member expects it.
    """
    if member.id is None:
        member.id = new_id()  # the event names it before anything is written
    created = {"active": active, "source": member.source}
    path = take_on(connection)
    if active and (path.checks_licensing or not licensed_on(connection, member.organization_id)):
        member.active = True
        # The take logs member.created with seat.taken, in one statement.
        taken = path.take(connection, member, at=at, on=None, joining=True, created=created)
        if taken is None:
            member.active = False
            return None
        seat_taken(connection, member, taken, at=at, logged=path.logs_taken)
        _note_crowding(member.organization_id, taken)
        return True
    # Inactive, or under licensed groups, where a new member holds no seat until it joins one.
    member.active = active
    log_member(connection, member, "member.created", at=at, **created)
    write_member(connection, member)
    return False


def creates_alone(engine: Engine, organization_id: int, *, active: bool) -> bool:
    """Tell whether a member of the organization is best created by create_member_alone,
    on a connection of the engine in autocommit."""
    if not take_by(engine.dialect.name).takes_alone:
        return False
    return not active or organization_id not in _CROWDED


def create_member_alone(
    connection: Connection, member: Member, *, at: datetime, active: bool
) -> bool | None:
    """Write a new member, with its seat if it is to be active, by one statement that is a
    transaction by itself, on a connection in autocommit (PostgreSQL): one round trip.

    Return whether a seat was taken, or None, having written nothing, when an active
    member's case is not the commonest one: a seat free, no group licensing seats, no term
    to renew, and usage staying below every alert threshold (whose alert is written in the
    take's transaction). The caller then creates it by create_member in a transaction,
    which finds out why.
    """
    if member.id is None:
        member.id = new_id()  # the event names it before anything is written
    if not active:
        member.active = False
        created = {"member_id": member.id, "active": False, "source": member.source}
        event = events.parameters(
            member.organization_id,
            "member.created",
            at,
            member.user_name,
            created,
            events.current_actor(),
        )
        at_once.CREATE_INACTIVE_ALONE.run(connection, {**new_row(member), **event})
        return False
    member.active = True
    taken = take_on(connection).take_alone(connection, member, at=at)
    if taken is None:
        member.active = False
        _CROWDED.add(member.organization_id)
        return None
    if wanted(taken_change(member, taken, at=at)):
        # The guard keeps usage below every threshold, so no hook should want the take.
        raise RuntimeError("a seat hook wants a take made alone; its guard must refuse it")
    _note_crowding(member.organization_id, taken)
    return True


def _note_crowding(organization_id: int, taken: Taken) -> None:
    """Remember whether the organization's next seat would reach an alert threshold."""
    thresholds = thresholds_from(taken.thresholds)
    if not crossed(taken.seats_used + 1, taken.seats_purchased, thresholds):
        _CROWDED.discard(organization_id)
        return
    if len(_CROWDED) >= _CROWDED_AT_MOST:
        _CROWDED.clear()
    _CROWDED.add(organization_id)
