"""Seats: take, release and usage, each seat change one guarded SQL statement."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any, NoReturn

from sqlalchemy import select
from sqlalchemy.orm import Session, make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from . import alerts, statements
from .contracts import contract_of, record_seat_event
from .errors import ContractExpired, NoSeatAvailable
from .models import Contract, Member, Organization
from .renewal import renew
from .seat_requests import pending_requests
from .terms import local_date
from .web_sessions import end_member_sessions

ONE_DAY = timedelta(days=1)


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
    # Set before the flush, so a new member is inserted active in one statement; a
    # refusal below sets it back. Setting it again when it is set would make the flush
    # compare every attribute of the member for nothing.
    if not member.active:
        member.active = True
    joining = _can_join(session, member)
    if not joining:
        session.flush()
    taken = _take(session, member, at=at, on=on, joining=joining)
    if taken is None:
        # No seat taken and nothing written: find out why, the rare way.
        if holds_seat(session, member):
            return False
        contract = contract_of(session, member.organization_id)
        day = on or local_date(at, contract.timezone)
        if day >= contract.term_end and contract.auto_renew:
            # The renewal job may lag behind midnight; renew here rather than refuse.
            renew(session, contract, at=at, on=day)
            taken = _take(session, member, at=at, on=day)
        elif on is None and session.get_bind().dialect.name == "sqlite":
            # SQLite's take asked the term to cover the days either side of UTC's (see
            # statements.TAKE_SEAT): near a term's first or last day, ask for the local day.
            taken = _take(session, member, at=at, on=day)
        if taken is None:
            # Read after the guard refused (renew re-reads it too): as fresh as any.
            _refuse(session, member, contract, on=day)
    contract_id, seats_used, seats_purchased, term_index, threshold_text = taken
    _sync_contract(session, contract_id, seats_used)
    alerts.usage_changed(
        session,
        contract_id=contract_id,
        organization_id=member.organization_id,
        seats_used=seats_used,
        seats_purchased=seats_purchased,
        term_index=term_index,
        at=at,
        thresholds=alerts.thresholds_from(threshold_text),
        rising=True,
    )
    return True


def _can_join(session: Session, member: Member) -> bool:
    """Tell whether the member's INSERT can join the take (statements.TAKE_SEAT_JOINING).

    Only on PostgreSQL, and only for a new member that is the session's one change: any
    other would have to be flushed first, in an order the ORM decides.
    """
    return (
        session.get_bind().dialect.name == "postgresql"
        and len(session.new) == 1
        and member in session.new
        and not session.dirty
        and not session.deleted
    )


def _take(
    session: Session, member: Member, *, at: datetime, on: date | None, joining: bool = False
) -> tuple[Any, ...] | None:
    """Take a seat for the member, hold it, record it and admit its seat requests.

    Return the contract's id, seats in use and purchased, term index and alert thresholds;
    or None, having written nothing, when the guard of statements.TAKE_SEAT refuses. When
    joining, the new member is written by the same statement, seat or no seat.
    """
    # The seat path is the hottest write there is: its statements are Prepared ones.
    connection = session.connection()
    # First: a default id is set on the member here.
    row = _new_row(member) if joining else {}
    keys = _identity_keys(member)
    common = {"p_organization_id": member.organization_id, "p_member_id": member.id, "p_at": at}
    if connection.dialect.name == "postgresql":
        parameters = {**common, **keys, "p_on": on}
        if joining:
            taken = statements.TAKE_SEAT_JOINING.first(connection, {**parameters, **row})
            _written(session, member)
        else:
            taken = statements.TAKE_SEAT_AT_ONCE.first(connection, parameters)
        return taken
    if on is None:
        # The term covers the local day if it covers the days either side of UTC's.
        utc_day = at.astimezone(UTC).date()
        days = {"p_on": utc_day - ONE_DAY, "p_until": utc_day + ONE_DAY}
    else:
        days = {"p_on": on, "p_until": on}
    taken = statements.TAKE_SEAT.first(connection, {**common, **keys, **days})
    if taken is None:
        return None
    *counted, threshold_text, timezone, has_pending = taken
    day = on or local_date(at, timezone)
    contract_id = counted[0]
    statements.INSERT_SEAT.rows(connection, {**common, "p_contract_id": contract_id})
    record_seat_event(connection, contract_id, member.id, "take", counted[1:], on=day, at=at)
    if has_pending:
        statements.ADMIT_REQUESTS.rows(connection, {**common, **keys})
    return (*counted, threshold_text)


def _new_row(member: Member) -> dict[str, Any]:
    """Return the parameters of a new member's INSERT (m_<column>), defaults applied.

    A default is set on the object too, as a flush would set it.
    """
    row = {}
    for column in statements.member.c:
        value = getattr(member, column.key)
        if value is None and column.default is not None:
            default: Any = column.default
            # SQLAlchemy's ColumnDefault takes the execution context; none is needed here.
            value = default.arg(None) if default.is_callable else default.arg
            setattr(member, column.key, value)
        row[f"m_{column.name}"] = value
    return row


def _written(session: Session, member: Member) -> None:
    """Make the session hold the member as written, which a statement did, not a flush."""
    session.expunge(member)
    make_transient_to_detached(member)
    session.add(member)


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
    (contract_id,) = deleted
    released_row = statements.RELEASE_SEAT.first(connection, {"p_contract_id": contract_id})
    assert released_row is not None
    *released, timezone = released_row
    _sync_contract(session, contract_id, released[0])
    on = on or local_date(at, timezone)
    record_seat_event(connection, contract_id, member.id, "release", released, on=on, at=at)
    alerts.usage_changed(
        session,
        contract_id=contract_id,
        organization_id=member.organization_id,
        seats_used=released[0],
        seats_purchased=released[1],
        term_index=released[2],
        at=at,
    )
    return True


def _identity_keys(member: Member) -> dict[str, str]:
    """Return the keys a seat request of this member would be remembered under."""
    other = member.email_key or member.user_name_key
    return {"p_key": member.user_name_key, "p_other_key": other}


def _sync_contract(session: Session, contract_id: int, seats_used: int) -> None:
    """Show the new count on the session's contract object, if it holds one.

    The seat statements are Core statements, which leave loaded objects as they were.
    """
    # The identity key's documented shape: (class, primary key, identity token).
    loaded = session.identity_map.get((Contract, (contract_id,), None))
    if loaded is not None:
        set_committed_value(loaded, "seats_used", seats_used)


def _organization_name(session: Session, organization_id: int) -> str:
    return session.scalar(select(Organization.name).where(Organization.id == organization_id)) or ""
