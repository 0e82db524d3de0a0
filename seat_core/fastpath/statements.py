"""The seat path's statements, built once: building SQLAlchemy expressions on every call
cost more than running them. Each takes its values as bound parameters.

Those a seat change runs on every request are Prepared (see prepared.py): compiled once
per dialect, run on the driver's cursor, and read into the named result beside them.
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Table,
    Text,
    Update,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    update,
)
from sqlalchemy import cast as sql_cast

from ..models import (
    AlertSettings,
    Contract,
    Event,
    Member,
    PolicyGroup,
    Seat,
    SeatRequest,
    ThresholdState,
)
from .prepared import NoRow, Prepared

contract = cast(Table, Contract.__table__)
seat = cast(Table, Seat.__table__)
seat_request = cast(Table, SeatRequest.__table__)
threshold_state = cast(Table, ThresholdState.__table__)
alert_settings = cast(Table, AlertSettings.__table__)
member = cast(Table, Member.__table__)
event = cast(Table, Event.__table__)
policy_group = cast(Table, PolicyGroup.__table__)

CONTRACT_OF = (
    select(Contract)
    .where(Contract.organization_id == bindparam("organization_id"))
    .execution_options(populate_existing=True)
)


class Taken(NamedTuple):
    """A seat taken: the contract's new counts and its organization's alert thresholds."""

    contract_id: int
    seats_used: int
    seats_purchased: int
    term_index: int
    # As stored in the alert settings; None for the defaults.
    thresholds: str | None


class TakenNearby(NamedTuple):
    """A seat taken on SQLite, for a day near UTC's: what the rest of the take needs."""

    contract_id: int
    seats_used: int
    seats_purchased: int
    term_index: int
    thresholds: str | None
    timezone: str
    has_pending: bool


class Deleted(NamedTuple):
    """A seat given up: the contract it counted on."""

    contract_id: int


class Released(NamedTuple):
    """A seat released: the contract's new counts and its time zone."""

    seats_used: int
    seats_purchased: int
    term_index: int
    timezone: str


def _is_identity_key() -> ColumnElement[bool]:
    """Match either of a member's two identity keys: its userName's and its email's."""
    return or_(
        seat_request.c.identity_key == bindparam("p_key", type_=seat_request.c.identity_key.type),
        seat_request.c.identity_key
        == bindparam("p_other_key", type_=seat_request.c.identity_key.type),
    )


# The event log's columns as seat_core/events.py writes a row, each a parameter of the same
# name (with a suffix, for several rows), besides xact_id: the writing transaction's id,
# which PostgreSQL gives as PG_XACT_ID (and SQLite as 0).
EVENT_COLUMNS = (
    "organization_id",
    "type",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "subject",
    "data",
)
PG_XACT_ID = sql_cast(sql_cast(func.pg_current_xact_id(), Text), BigInteger)


def event_values(xact_id: Any, suffix: str = "") -> dict[str, Any]:
    """Return the values of one event row: EVENT_COLUMNS as parameters, and xact_id."""
    values: dict[str, Any] = {
        name: bindparam(name + suffix, type_=event.c[name].type) for name in EVENT_COLUMNS
    }
    return {**values, "xact_id": xact_id}


_organization_id = bindparam("p_organization_id", type_=contract.c.organization_id.type)
_member_id = bindparam("p_member_id", type_=seat.c.member_id.type)
_at = bindparam("p_at", type_=seat.c.taken_at.type)
_on = bindparam("p_on", type_=contract.c.term_start.type)


def _seat_free(
    on: ColumnElement[Any], until: ColumnElement[Any] | None = None
) -> list[ColumnElement[bool]]:
    """The guard of taking a seat: a free seat, a term covering the day, none held yet.

    Given until, the term must cover every day from on to until.
    """
    return [
        contract.c.organization_id == _organization_id,
        contract.c.seats_used < contract.c.seats_purchased,
        contract.c.status == "active",
        contract.c.term_start <= on,
        contract.c.term_end > (on if until is None else until),
        ~select(seat.c.id).where(seat.c.member_id == _member_id).exists(),
    ]


def _pending_requests(organization_id: ColumnElement[Any]) -> list[ColumnElement[bool]]:
    """The seat requests of an organization that wait for the member's identity."""
    return [
        seat_request.c.organization_id == organization_id,
        seat_request.c.status == "pending",
        _is_identity_key(),
    ]


def _thresholds() -> Any:
    """The contract's organization's alert thresholds, as stored (None: the defaults)."""
    return (
        select(alert_settings.c.thresholds)
        .where(alert_settings.c.organization_id == contract.c.organization_id)
        .scalar_subquery()
    )


# The only way to take a seat is a guarded UPDATE: one statement that checks and
# increments at once, so that no two requests, processes or hosts can both see "one seat
# left" and both take it. The CHECK constraint on contract backs it; the UNIQUE
# seat.member_id stops a member from holding two. No row back means no seat taken, and
# nothing written: the caller finds out why.
#
# On SQLite, in process, a statement costs microseconds: the take is TAKE_SEAT,
# INSERT_SEAT, the event log's INSERT of seat.taken (with member.created, for a new
# member: seat_core/events.py) and, if the member has pending seat requests,
# ADMIT_REQUESTS. SQLite knows no time zones, and the contract's local day needs its time
# zone; but wherever on Earth, the local day is within a day of the UTC one. So TAKE_SEAT
# asks the term to cover all three days (p_on to p_until), and returns the time zone. Only
# when it refuses, which near a term's first or last day it may do though a seat is free,
# does the caller read the contract and try again for the local day alone.
def _guarded_take(guard: list[ColumnElement[bool]], *returning: Any) -> Update:
    """The guarded UPDATE: one seat more in use where guard holds; it returns the contract
    and its counts after the take, then returning."""
    return (
        update(contract)
        .where(*guard)
        .values(seats_used=contract.c.seats_used + 1)
        .returning(
            contract.c.id.label("contract_id"),
            contract.c.seats_used,
            contract.c.seats_purchased,
            contract.c.term_index,
            *returning,
        )
    )


_until = bindparam("p_until", type_=contract.c.term_end.type)
TAKE_SEAT = Prepared(
    _guarded_take(
        _seat_free(_on, _until),
        _thresholds().label("thresholds"),
        contract.c.timezone,
        select(seat_request.c.id)
        .where(*_pending_requests(contract.c.organization_id))
        .exists()
        .label("has_pending"),
    ),
    TakenNearby,
)
INSERT_SEAT = Prepared(
    insert(seat).values(
        contract_id=bindparam("p_contract_id", type_=seat.c.contract_id.type),
        member_id=_member_id,
        taken_at=_at,
    ),
    NoRow,
)

# Marks the member's pending seat requests admitted: it holds a seat now.
_admit = (
    update(seat_request)
    .where(*_pending_requests(_organization_id))
    .values(status="admitted", resolved_at=_at, member_id=_member_id)
)

# The new member's columns, each a parameter m_<column>.
_member_row = {column.name: bindparam(f"m_{column.name}", type_=column.type) for column in member.c}

# A new member alone, with the same parameters: what SQLite writes before its take, and
# an inactive member, instead of the ORM's flush of it.
INSERT_MEMBER = Prepared(insert(member).values(_member_row), NoRow)


class Licensing(NamedTuple):
    """A group a policy names to license seats: one exists iff seats follow groups."""

    kind: str


# Asked by every active create (seat_core.licensing.licensed): through the ORM it cost
# more than the take itself.
LICENSED_GROUP = Prepared(
    select(policy_group.c.kind)
    .where(
        policy_group.c.organization_id
        == bindparam("p_organization_id", type_=policy_group.c.organization_id.type),
        policy_group.c.kind == "licensed",
    )
    .limit(1),
    Licensing,
)

HOLDS_SEAT = select(seat.c.id).where(seat.c.member_id == bindparam("member_id"))

DELETE_SEAT = Prepared(
    delete(seat)
    .where(seat.c.member_id == bindparam("p_member_id", type_=seat.c.member_id.type))
    .returning(seat.c.contract_id),
    Deleted,
)

RELEASE_SEAT = Prepared(
    update(contract)
    .where(contract.c.id == bindparam("p_contract_id", type_=contract.c.id.type))
    .values(seats_used=contract.c.seats_used - 1)
    .returning(
        contract.c.seats_used,
        contract.c.seats_purchased,
        contract.c.term_index,
        contract.c.timezone,
    ),
    Released,
)

ADMIT_REQUESTS = Prepared(_admit, NoRow)

REARM_THRESHOLDS = (
    update(threshold_state)
    .where(
        threshold_state.c.contract_id == bindparam("p_contract_id"),
        threshold_state.c.threshold.in_(bindparam("p_thresholds", expanding=True)),
        threshold_state.c.armed.is_(False),
    )
    .values(armed=True)
)
