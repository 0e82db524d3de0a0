"""Seats: take, release, usage and refusals, each seat change one guarded SQL statement."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, inspect, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.orm.util import identity_key as orm_identity_key

from . import alerts, statements
from .errors import ContractExpired, NoSeatAvailable
from .models import Contract, Member, Organization, SeatRequest
from .terms import local_date


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


def contract_of(session: Session, organization_id: int) -> Contract:
    """Return the organization's contract as it is in the database now."""
    contract: Contract = session.scalars(
        statements.CONTRACT_OF, {"organization_id": organization_id}
    ).one()
    return contract


def usage(session: Session, organization: Organization) -> Usage:
    """Return the seats purchased and in use, and how many people wait for one."""
    contract = contract_of(session, organization.id)
    pending = session.scalar(
        select(func.count())
        .select_from(SeatRequest)
        .where(SeatRequest.organization_id == organization.id, SeatRequest.status == "pending")
    )
    return Usage(
        seats_purchased=contract.seats_purchased,
        seats_in_use=contract.seats_used,
        pending_requests=pending or 0,
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
    state = inspect(member)
    new = state.pending or state.transient
    # Set before the flush, so a new member is inserted active in one statement; a
    # refusal below sets it back.
    member.active = True
    session.flush()
    if not new and holds_seat(session, member):
        return False
    keys = _identity_keys(member)
    contract_id, timezone, term_end, auto_renew, threshold_text, has_pending = session.execute(
        statements.SEAT_CONTEXT, {"organization_id": member.organization_id, "p_keys": keys}
    ).one()
    on = on or local_date(at, timezone)
    if on >= term_end and auto_renew:
        # The renewal job may lag behind midnight; renew here rather than refuse.
        from .renewal import renew

        renew(session, contract_of(session, member.organization_id), at=at, on=on)
    # Everything that needs no count happens before the guarded UPDATE: on PostgreSQL that
    # UPDATE locks the contract row until commit, so every seat-taking request of the
    # organization queues behind whatever follows it.
    session.execute(
        statements.INSERT_SEAT, {"contract_id": contract_id, "member_id": member.id, "taken_at": at}
    )
    if has_pending:
        _admit_requests(session, member, keys, at=at)
    thresholds = alerts.thresholds_from(threshold_text)
    # The guarded UPDATE (see statements.TAKE_SEAT): no free seat, no row.
    taken = session.execute(
        statements.TAKE_SEAT, {"p_contract_id": contract_id, "p_on": on}
    ).one_or_none()
    if taken is None:
        _undo_take(session, member, at=at)
        contract = contract_of(session, member.organization_id)
        name = _organization_name(session, member.organization_id)
        if contract.status != "active" or not (contract.term_start <= on < contract.term_end):
            raise ContractExpired(organization=name, ended_on=contract.term_end.isoformat())
        raise NoSeatAvailable(
            organization=name,
            seats_in_use=contract.seats_used,
            seats_purchased=contract.seats_purchased,
        )
    seats_used, seats_purchased, term_index = taken
    _sync_contract(session, contract_id, seats_used)
    record_seat_event(session, contract_id, member.id, "take", taken, on=on, at=at)
    alerts.usage_changed(
        session,
        contract_id=contract_id,
        organization_id=member.organization_id,
        seats_used=seats_used,
        seats_purchased=seats_purchased,
        term_index=term_index,
        at=at,
        thresholds=thresholds,
        rising=True,
    )
    return True


def _undo_take(session: Session, member: Member, *, at: datetime) -> None:
    """Undo what a refused take wrote, so a caller who commits anyway keeps the invariant."""
    member.active = False
    session.execute(statements.DELETE_SEAT, {"p_member_id": member.id})
    session.execute(statements.REOPEN_REQUESTS, {"p_member_id": member.id, "p_at": at})


def release_seat(session: Session, member: Member, *, at: datetime, on: date | None = None) -> bool:
    """Free the member's seat and make it inactive; return False if it held none."""
    session.flush()
    member.active = False
    contract_id = session.scalar(statements.DELETE_SEAT, {"p_member_id": member.id})
    if contract_id is None:
        return False
    *released, timezone = session.execute(
        statements.RELEASE_SEAT, {"p_contract_id": contract_id}
    ).one()
    _sync_contract(session, contract_id, released[0])
    on = on or local_date(at, timezone)
    record_seat_event(session, contract_id, member.id, "release", released, on=on, at=at)
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


def record_refusal(
    session: Session,
    organization: Organization,
    *,
    channel: str,
    identity: str,
    identity_key: str,
    at: datetime,
    display_name: str | None = None,
    email: str | None = None,
    member_id: str | None = None,
    reason: str = "no_seat",
) -> SeatRequest:
    """Remember a refused person as a pending seat request, once per identity.

    Call it in a transaction of its own, after the refused request's transaction rolled
    back, so that the record survives that rollback.
    """
    values = {
        "organization_id": organization.id,
        "channel": channel,
        "identity": identity,
        "identity_key": identity_key,
        "display_name": display_name,
        "email": email,
        "member_id": member_id,
        "status": "pending",
        "attempts": 1,
        "first_seen_at": at,
        "last_seen_at": at,
    }
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    statement = dialect.insert(SeatRequest).values(**values)
    statement = statement.on_conflict_do_update(
        index_elements=[SeatRequest.organization_id, SeatRequest.identity_key],
        set_={
            "attempts": SeatRequest.attempts + 1,
            "last_seen_at": at,
            "channel": channel,
            "status": "pending",
            "resolved_at": None,
            "display_name": func.coalesce(
                statement.excluded.display_name, SeatRequest.display_name
            ),
            "email": func.coalesce(statement.excluded.email, SeatRequest.email),
            "member_id": func.coalesce(statement.excluded.member_id, SeatRequest.member_id),
        },
    ).returning(SeatRequest.id)
    request_id = session.scalar(statement)
    request = session.scalars(
        select(SeatRequest)
        .where(SeatRequest.id == request_id)
        .execution_options(populate_existing=True)
    ).one()
    alerts.seat_refused(session, organization=organization, request=request, reason=reason, at=at)
    return request


def _identity_keys(member: Member) -> list[str]:
    """Return the keys a seat request of this member would be remembered under."""
    return sorted(key for key in {member.user_name_key, member.email_key} if key is not None)


def _admit_requests(session: Session, member: Member, keys: list[str], *, at: datetime) -> None:
    """Mark the member's pending seat requests as admitted: it holds a seat now."""
    session.execute(
        statements.ADMIT_REQUESTS,
        {
            "p_organization_id": member.organization_id,
            "p_keys": keys,
            "p_at": at,
            "p_member_id": member.id,
        },
    )


def _sync_contract(session: Session, contract_id: int, seats_used: int) -> None:
    """Show the new count on the session's contract object, if it holds one.

    The seat statements are Core statements, which leave loaded objects as they were.
    """
    loaded = session.identity_map.get(orm_identity_key(Contract, contract_id))
    if loaded is not None:
        set_committed_value(loaded, "seats_used", seats_used)


def _organization_name(session: Session, organization_id: int) -> str:
    return session.scalar(select(Organization.name).where(Organization.id == organization_id)) or ""


def record_seat_event(
    session: Session,
    contract_id: int,
    member_id: str | None,
    kind: str,
    counts: Sequence[int],
    *,
    on: date,
    at: datetime,
) -> None:
    seats_used, seats_purchased, term_index = counts
    session.execute(
        statements.INSERT_SEAT_EVENT,
        {
            "contract_id": contract_id,
            "member_id": member_id,
            "kind": kind,
            "seats_used": seats_used,
            "seats_purchased": seats_purchased,
            "term_index": term_index,
            "on": on,
            "at": at,
        },
    )
