"""The seat path's statements, built once: building SQLAlchemy expressions on every call
cost more than running them. Each takes its values as bound parameters.

Those a seat change runs on every request are Prepared (see prepared.py): compiled once
per dialect, run on the driver's cursor, and read into the named result beside them.
"""

from __future__ import annotations

from typing import Any, NamedTuple, cast

from sqlalchemy import (
    ARRAY,
    BigInteger,
    ColumnElement,
    Integer,
    Table,
    Text,
    bindparam,
    delete,
    func,
    insert,
    literal,
    or_,
    select,
    true,
    union_all,
    update,
)
from sqlalchemy import cast as sql_cast

from ..alerts.settings import DEFAULT_THRESHOLDS
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
_until = bindparam("p_until", type_=contract.c.term_end.type)
TAKE_SEAT = Prepared(
    update(contract)
    .where(*_seat_free(_on, _until))
    .values(seats_used=contract.c.seats_used + 1)
    .returning(
        contract.c.id.label("contract_id"),
        contract.c.seats_used,
        contract.c.seats_purchased,
        contract.c.term_index,
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

# On PostgreSQL every statement is a round trip, and the contract row stays locked from the
# UPDATE to the commit, delaying each other seat-taking request of the organization. So
# there the whole take is one statement: data-modifying CTEs take the seat, hold it, log
# seat.taken with the counts the usage history reads (seat_core/history.py) and admit the
# member's pending seat requests, and the contract's local day is found in SQL
# (PostgreSQL reads the same IANA time zones as zoneinfo). A p_on given is the day instead.
_local_on = func.coalesce(
    _on, sql_cast(func.timezone(contract.c.timezone, _at), contract.c.term_start.type)
)
_event_columns = [
    "organization_id",
    "type",
    "occurred_at",
    "actor_type",
    "actor_id",
    "actor_label",
    "subject",
    "data",
    "xact_id",
]
# The new member's columns, each a parameter m_<column>.
_member_row = {column.name: bindparam(f"m_{column.name}", type_=column.type) for column in member.c}
# No group licenses seats: without a seat policy every active member holds one (licensing.py).
_unlicensed = ~(
    select(policy_group.c.kind)
    .where(policy_group.c.organization_id == _organization_id, policy_group.c.kind == "licensed")
    .exists()
)


def _below_thresholds() -> ColumnElement[bool]:
    """After the take, usage stays below every alert threshold of the organization.

    The stored thresholds are text like "80,90,100" (alerts/settings.py); none at all is
    "", which no usage reaches, and no settings row means the defaults.
    """
    values = func.unnest(
        sql_cast(func.string_to_array(alert_settings.c.thresholds, ","), ARRAY(Integer))
    ).column_valued("threshold")
    lowest = (
        select(func.coalesce(select(func.min(values)).scalar_subquery(), 101))
        .where(alert_settings.c.organization_id == contract.c.organization_id)
        .scalar_subquery()
    )
    lowest_or_default = func.coalesce(lowest, min(DEFAULT_THRESHOLDS))
    return (contract.c.seats_used + 1) * 100 < lowest_or_default * contract.c.seats_purchased


def _take_at_once(*, joined: bool, created: bool, alone: bool = False) -> Prepared[Taken]:
    """Build the single statement of a take: joined, with a new member's INSERT; created,
    logging its member.created too, and refusing under licensed groups; alone, a
    transaction by itself, see TAKE_SEAT_ALONE."""
    guard = _seat_free(_local_on) + ([_unlicensed] if created else [])
    if alone:
        guard.append(_below_thresholds())
    taken = (
        update(contract)
        .where(*guard)
        .values(seats_used=contract.c.seats_used + 1)
        .returning(
            contract.c.id.label("contract_id"),
            contract.c.seats_used,
            contract.c.seats_purchased,
            contract.c.term_index,
            _local_on.label("on"),
            _thresholds().label("thresholds"),
        )
        .cte("taken")
    )
    held = (
        insert(seat)
        .from_select(
            ["contract_id", "member_id", "taken_at"], select(taken.c.contract_id, _member_id, _at)
        )
        .returning(seat.c.id)
        .cte("held")
    )

    def event_row(type: str, data: Any) -> Any:
        """One event, by who took the seat, as seat_core/events.py writes it; if taken."""
        return select(
            _organization_id,
            literal(type, event.c.type.type),
            _at,
            bindparam("p_actor_type", type_=event.c.actor_type.type),
            bindparam("p_actor_id", type_=event.c.actor_id.type),
            bindparam("p_actor_label", type_=event.c.actor_label.type),
            bindparam("p_subject", type_=event.c.subject.type),
            data,
            sql_cast(sql_cast(func.pg_current_xact_id(), Text), BigInteger),
        ).select_from(taken)

    # seat.taken, with the counts after it that the usage history reads (history.py).
    logged: Any = event_row(
        "seat.taken",
        func.json_build_object(
            "member_id",
            _member_id,
            "seats_used",
            taken.c.seats_used,
            "seats_purchased",
            taken.c.seats_purchased,
            "term_index",
            taken.c.term_index,
            "on",
            taken.c.on,
        ),
    )
    if created:
        # member.created first, both rows by one INSERT.
        data = func.json_build_object(
            "member_id", _member_id, "active", true(), "source", _member_row["source"]
        )
        logged = union_all(event_row("member.created", data), logged)
    ctes = [
        insert(event).from_select(_event_columns, logged).returning(event.c.id).cte("logged"),
        _admit.where(select(taken.c.contract_id).exists())
        .returning(seat_request.c.id)
        .cte("admitted"),
        held,
    ]
    if alone:
        # Written only with its seat: a refused statement writes nothing at all.
        joining = insert(member).from_select(
            list(_member_row), select(*_member_row.values()).select_from(taken)
        )
        ctes.append(joining.returning(member.c.id).cte("joined"))
    elif joined:
        ctes.append(insert(member).values(_member_row).returning(member.c.id).cte("joined"))
    row = select(
        taken.c.contract_id,
        taken.c.seats_used,
        taken.c.seats_purchased,
        taken.c.term_index,
        taken.c.thresholds,
    )
    return Prepared(row.add_cte(*reversed(ctes)), Taken)


TAKE_SEAT_AT_ONCE = _take_at_once(joined=False, created=False)
# The same for a member not yet written: its INSERT joins the statement, so that creating
# an active user costs no more round trips than creating an inactive one. The member is
# written even when no seat is free; the caller's refusal then sets it inactive, as on
# SQLite, where it is flushed before the take.
TAKE_SEAT_JOINING = _take_at_once(joined=True, created=False)
# And a member created by this very statement (members.create_member): one round trip for
# a whole active create. Its member.created is logged with seat.taken, and the guard also
# asks that no group license seats, which the caller need then not ask first. When no seat
# is taken the caller rolls the statement back and creates the member the slow way, which
# finds out why (under licensed groups, a member without a seat).
TAKE_SEAT_CREATING = _take_at_once(joined=True, created=True)
# And the same as a transaction by itself, sent in autocommit: one round trip for a whole
# active create, with no BEGIN and no COMMIT. PostgreSQL runs a statement atomically, so
# what must be written together is: the member, its seat, the count, both events. The
# guard also refuses a take that would bring usage to an alert threshold, whose alert must
# be written in the take's transaction (usage_alerts.py), and a refused statement writes
# nothing, not even the member: the caller then creates it the way of TAKE_SEAT_CREATING.
TAKE_SEAT_ALONE = _take_at_once(joined=True, created=True, alone=True)

# A new member alone, with the same parameters: what SQLite writes before its take, and
# an inactive member, instead of the ORM's flush of it.
INSERT_MEMBER = Prepared(insert(member).values(_member_row), NoRow)

# An inactive member and its member.created event by one statement, a transaction by
# itself on PostgreSQL (sent in autocommit, as TAKE_SEAT_ALONE): the member's parameters,
# and the event's as seat_core/events.py names them. A duplicate writes neither.
_created = insert(member).values(_member_row).returning(member.c.id).cte("created")
CREATE_INACTIVE_ALONE = Prepared(
    insert(event).from_select(
        _event_columns,
        select(
            *[bindparam(name, type_=event.c[name].type) for name in _event_columns[:-1]],
            sql_cast(sql_cast(func.pg_current_xact_id(), Text), BigInteger),
        ).select_from(_created),
    ),
    NoRow,
)


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
