"""Seats: take and release, each seat change one guarded SQL statement.

What follows a seat change (usage alerts) runs through seat hooks (hooks.py), registered
from above; a lapsed term is renewed by the callers before the take (renewal.renew_lapsed).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import NoReturn

from sqlalchemy import Connection, inspect, select
from sqlalchemy.orm import Session

from . import events
from .contracts import contract_of
from .errors import ContractExpired, NoSeatAvailable, Refusal, Requester
from .fastpath import Taken, statements, sync_contract, written
from .history import counts
from .hooks import SeatChange, seat_changed
from .models import Contract, Member, Organization
from .takes import Take, take_for
from .terms import local_date
from .web_sessions import end_member_sessions


def holds_seat(session: Session, member: Member) -> bool:
    """Tell whether the member holds a seat."""
    return session.scalar(statements.HOLDS_SEAT, {"member_id": member.id}) is not None


def take_seat(session: Session, member: Member, *, at: datetime, on: date | None = None) -> bool:
    """Give the member a seat and make it active; return False if it held one already.

    A term that has ended is not renewed here: callers run renewal.renew_lapsed first.

    :raises NoSeatAvailable: when every purchased seat is in use.
    :raises ContractExpired: when the term has ended and the contract was not renewed.
    """
    path = take_for(session)
    state = inspect(member)
    # A member already written gets a new version; a new one is written at its first.
    stored = state.persistent
    before = (member.version, member.updated_at)
    # Set before the flush, so a new member is inserted active in one statement; a
    # refusal below sets it back. Setting it again when it is set would make the flush
    # compare every attribute of the member for nothing.
    if not member.active:
        member.active = True
    # A member with changes to flush gets its new version in the same UPDATE; one with
    # none gets it after the take, so that the take costs no statement more.
    early = stored and state.modified
    if early:
        _bump(member, at)
    joining = path.joins(session, member)
    if not joining:
        session.flush()
    connection = session.connection()  # the session's own, for the whole transaction
    taken = path.take(connection, member, at=at, on=on, joining=joining)
    if joining:
        written(session, member)  # by the take, seat or no seat
    if taken is None:
        # No seat taken and nothing written: find out why, the rare way.
        if early:
            member.version, member.updated_at = before
        if holds_seat(session, member):
            return False
        taken = _take_refused(session, path, member, at=at, on=on, stored=stored)
    if stored and not early:
        _bump(member, at)
    sync_contract(session, taken.contract_id, taken.seats_used)
    seat_taken(connection, member, taken, at=at, logged=path.logs_taken, session=session)
    return True


def _take_refused(
    session: Session, path: Take, member: Member, *, at: datetime, on: date | None, stored: bool
) -> Taken:
    """Return the seat a refused take gets when asked for the day, or raise the refusal.

    :raises NoSeatAvailable: when every purchased seat is in use.
    :raises ContractExpired: when the term has ended and the contract was not renewed.
    """
    contract = contract_of(session, member.organization_id)
    day = on or local_date(at, contract.timezone)
    taken = None
    if on is None and path.approximates_day:
        # The take asked the term to cover more than the local day (see
        # statements.TAKE_SEAT): near a term's first or last day, ask for that day.
        taken = path.take(session.connection(), member, at=at, on=day, joining=False)
    if taken is None:
        # Read after the guard refused: as fresh as any.
        _refuse(session, member, contract, on=day, stored=stored)
    return taken


def seat_taken(
    connection: Connection,
    member: Member,
    taken: Taken,
    *,
    at: datetime,
    logged: bool,
    session: Session | None = None,
) -> None:
    """Finish a take, on either path: log seat.taken unless the take did, run the seat hooks.

    Without a session, the hooks open one on the connection, in its transaction, only when
    one wants the take: most takes reach no usage threshold, and cost no ORM at all.
    """
    if not logged:
        # On PostgreSQL the take's own statement logged it (fastpath/statements.py).
        data = {
            "member_id": member.id,
            "seats_used": taken.seats_used,
            "seats_purchased": taken.seats_purchased,
        }
        subject = member.user_name
        events.record(
            connection, member.organization_id, "seat.taken", at=at, subject=subject, data=data
        )
    seat_changed(taken_change(member, taken, at=at), session=session, connection=connection)


def taken_change(member: Member, taken: Taken, *, at: datetime) -> SeatChange:
    """Return the seat change of a take, with the thresholds the take read."""
    return SeatChange(
        organization_id=member.organization_id,
        contract_id=taken.contract_id,
        seats_used=taken.seats_used,
        seats_purchased=taken.seats_purchased,
        term_index=taken.term_index,
        at=at,
        rising=True,
        thresholds=taken.thresholds,
        thresholds_read=True,
    )


def _refuse(
    session: Session, member: Member, contract: Contract, *, on: date, stored: bool
) -> NoReturn:
    """Raise why the member got no seat, having set it back to inactive.

    The take wrote nothing; the member is set back so that a caller who commits anyway
    (it should not) keeps the invariant: active if and only if holding a seat. The
    refusal names the member, so that whoever handles it can remember them as a seat
    request after the rollback; a member created by the refused request is not named.
    """
    member.active = False
    name = _organization_name(session, member.organization_id)
    refusal: Refusal
    if contract.status != "active" or not (contract.term_start <= on < contract.term_end):
        refusal = ContractExpired(organization=name, ended_on=contract.term_end.isoformat())
    else:
        refusal = NoSeatAvailable(
            organization=name,
            seats_in_use=contract.seats_used,
            seats_purchased=contract.seats_purchased,
        )
    refusal.organization_id = member.organization_id
    refusal.requester = Requester(
        reason=refusal.reason,
        identity=member.user_name,
        identity_key=member.user_name_key,
        email=member.email,
        display_name=member.display_name,
        member_id=member.id if stored else None,
    )
    raise refusal


def _bump(member: Member, at: datetime) -> None:
    """Give the member a new version: SCIM clients must see that its seat changed."""
    member.version += 1
    member.updated_at = at


def release_seat(
    session: Session,
    member: Member,
    *,
    at: datetime,
    on: date | None = None,
    deactivate: bool = True,
    reason: str | None = None,
) -> bool:
    """Free the member's seat and make it inactive, ending their sessions; False if no seat.

    A seat policy frees seats of members that stay active (deactivate=False), saying why
    in reason ('reclaimed', 'unlicensed'), which the seat's event records.
    """
    state = inspect(member)
    before = (member.version, member.updated_at)
    # As in take_seat: a member with changes to flush gets its new version with them.
    early = state.persistent and state.modified
    if early:
        _bump(member, at)
    session.flush()
    if deactivate and member.active:
        member.active = False
    # Signed-in browsers go with the seat, in this transaction: reactivation revives none.
    end_member_sessions(session, member.id)
    connection = session.connection()
    deleted = statements.DELETE_SEAT.first(connection, {"p_member_id": member.id})
    if deleted is None:
        if early:
            member.version, member.updated_at = before
        return False
    if not early:
        # Written with active = false when the session next flushes: no statement more.
        _bump(member, at)
    released = statements.RELEASE_SEAT.first(connection, {"p_contract_id": deleted.contract_id})
    assert released is not None
    sync_contract(session, deleted.contract_id, released.seats_used)
    _seat_released(session, member, deleted.contract_id, released, at=at, on=on, reason=reason)
    return True


def _seat_released(
    session: Session,
    member: Member,
    contract_id: int,
    released: statements.Released,
    *,
    at: datetime,
    on: date | None,
    reason: str | None,
) -> None:
    """Log a release in the event log, with the usage history's counts; run the seat hooks."""
    connection = session.connection()
    on = on or local_date(at, released.timezone)
    # The event carries the counts of the usage history (history.py).
    events.record(
        connection,
        member.organization_id,
        "seat.released",
        at=at,
        subject=member.user_name,
        data={
            "member_id": member.id,
            **counts(released.seats_used, released.seats_purchased, released.term_index, on=on),
            **({"reason": reason} if reason else {}),
        },
    )
    change = SeatChange(
        organization_id=member.organization_id,
        contract_id=contract_id,
        seats_used=released.seats_used,
        seats_purchased=released.seats_purchased,
        term_index=released.term_index,
        at=at,
        rising=False,
    )
    seat_changed(change, session=session)


def _organization_name(session: Session, organization_id: int) -> str:
    return session.scalar(select(Organization.name).where(Organization.id == organization_id)) or ""
