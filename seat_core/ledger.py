"""Seats: take, release and usage, each seat change one guarded SQL statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session

from . import alerts
from .contracts import contract_of
from .errors import ContractExpired, NoSeatAvailable
from .fastpath import record_event, statements, sync_contract, take_for
from .models import Contract, Member, Organization
from .renewal import renew
from .seat_requests import pending_requests
from .terms import local_date
from .web_sessions import end_member_sessions


@dataclass(frozen=True)
class Usage:
    """Seats of an organization's current term."""

    seats_purchased: int
    seats_in_use: int
    pending_requests: int
    term_start: date
    term_end: date
    status: str

    @property
    def seats_free(self) -> int:
        return self.seats_purchased - self.seats_in_use


def usage(session: Session, organization: Organization) -> Usage:
    """Return the seats purchased and in use, and how many people wait for one."""
    contract = contract_of(session, organization.id)
    pending = pending_requests(session, organization.id)
    return Usage(
        seats_purchased=contract.seats_purchased,
        seats_in_use=contract.seats_used,
        pending_requests=pending,
        term_start=contract.term_start,
        term_end=contract.term_end,
        status=contract.status,
    )


def holds_seat(session: Session, member: Member) -> bool:
    """Tell whether the member holds a seat."""
    return session.scalar(statements.HOLDS_SEAT, {"member_id": member.id}) is not None


def take_seat(session: Session, member: Member, *, at: datetime, on: date | None = None) -> bool:
    """Give the member a seat and make it active; return False if it held one already.

    :raises NoSeatAvailable: when every purchased seat is in use.
    :raises ContractExpired: when the term has ended and the contract was not renewed.
    """
    path = take_for(session)
    # Set before the flush, so a new member is inserted active in one statement; a
    # refusal below sets it back. Setting it again when it is set would make the flush
    # compare every attribute of the member for nothing.
    if not member.active:
        member.active = True
    joining = path.joins(session, member)
    if not joining:
        session.flush()
    taken = path.take(session, member, at=at, on=on, joining=joining)
    if taken is None:
        # No seat taken and nothing written: find out why, the rare way.
        if holds_seat(session, member):
            return False
        contract = contract_of(session, member.organization_id)
        day = on or local_date(at, contract.timezone)
        if day >= contract.term_end and contract.auto_renew:
            # The renewal job may lag behind midnight; renew here rather than refuse.
            renew(session, contract, at=at, on=day)
            taken = path.take(session, member, at=at, on=day, joining=False)
        elif on is None and path.approximates_day:
            # The take asked the term to cover more than the local day (see
            # statements.TAKE_SEAT): near a term's first or last day, ask for that day.
            taken = path.take(session, member, at=at, on=day, joining=False)
        if taken is None:
            # Read after the guard refused (renew re-reads it too): as fresh as any.
            _refuse(session, member, contract, on=day)
    sync_contract(session, taken.contract_id, taken.seats_used)
    alerts.usage_changed(
        session,
        contract_id=taken.contract_id,
        organization_id=member.organization_id,
        seats_used=taken.seats_used,
        seats_purchased=taken.seats_purchased,
        term_index=taken.term_index,
        at=at,
        thresholds=alerts.thresholds_from(taken.thresholds),
        rising=True,
    )
    return True


def _refuse(session: Session, member: Member, contract: Contract, *, on: date) -> NoReturn:
    """Raise why the member got no seat, having set it back to inactive.

    The take wrote nothing; the member is set back so that a caller who commits anyway
    (it should not) keeps the invariant: active if and only if holding a seat.
    """
    member.active = False
    name = _organization_name(session, member.organization_id)
    if contract.status != "active" or not (contract.term_start <= on < contract.term_end):
        raise ContractExpired(organization=name, ended_on=contract.term_end.isoformat())
    raise NoSeatAvailable(
        organization=name,
        seats_in_use=contract.seats_used,
        seats_purchased=contract.seats_purchased,
    )


def release_seat(session: Session, member: Member, *, at: datetime, on: date | None = None) -> bool:
    """Free the member's seat and make it inactive, ending their sessions; False if no seat."""
    session.flush()
    if member.active:
        member.active = False
    # Signed-in browsers go with the seat, in this transaction: reactivation revives none.
    end_member_sessions(session, member.id)
    connection = session.connection()
    deleted = statements.DELETE_SEAT.first(connection, {"p_member_id": member.id})
    if deleted is None:
        return False
    contract_id = deleted.contract_id
    released = statements.RELEASE_SEAT.first(connection, {"p_contract_id": contract_id})
    assert released is not None
    counts = (released.seats_used, released.seats_purchased, released.term_index)
    sync_contract(session, contract_id, released.seats_used)
    on = on or local_date(at, released.timezone)
    record_event(connection, contract_id, member.id, "release", counts, on=on, at=at)
    alerts.usage_changed(
        session,
        contract_id=contract_id,
        organization_id=member.organization_id,
        seats_used=released.seats_used,
        seats_purchased=released.seats_purchased,
        term_index=released.term_index,
        at=at,
    )
    return True


def _organization_name(session: Session, organization_id: int) -> str:
    return session.scalar(select(Organization.name).where(Organization.id == organization_id)) or ""
