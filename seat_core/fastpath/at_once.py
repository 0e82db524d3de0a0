"""PostgreSQL's takes and creates, each one statement: data-modifying CTEs.

On PostgreSQL every statement is a round trip; SQLite runs its statements in process and
takes a seat in steps (statements.py). These build on the same guard and parameters.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import (
    ARRAY,
    ColumnElement,
    Integer,
    bindparam,
    func,
    insert,
    literal,
    select,
    true,
    union_all,
)
from sqlalchemy import cast as sql_cast

from ..models import DEFAULT_THRESHOLDS
from .functions import function_call
from .prepared import NoRow, Prepared
from .statements import (
    EVENT_COLUMNS,
    PG_XACT_ID,
    Taken,
    _admit,
    _at,
    _guarded_take,
    _member_id,
    _member_row,
    _on,
    _organization_id,
    _seat_free,
    _thresholds,
    alert_settings,
    contract,
    event,
    event_values,
    member,
    policy_group,
    seat,
    seat_request,
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
_event_columns = [*EVENT_COLUMNS, "xact_id"]
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
    taken = _guarded_take(guard, _local_on.label("on"), _thresholds().label("thresholds")).cte(
        "taken"
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
            PG_XACT_ID,
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
# And a member created by this very statement (creates.create_member): one round trip for
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
# What is sent for it: a call of the PL/pgSQL function that holds it (migration 0015),
# whose plan the server keeps, with or without a pooler (fastpath/functions.py).
TAKE_SEAT_ALONE_FUNCTION = "seat_take_alone"
TAKE_SEAT_ALONE_CALL = function_call(TAKE_SEAT_ALONE_FUNCTION, TAKE_SEAT_ALONE)

# An inactive member and its member.created event by one statement, a transaction by
# itself on PostgreSQL (sent in autocommit, as TAKE_SEAT_ALONE): the member's parameters,
# and the event's as seat_core/events.py names them. A duplicate writes neither.
_created = insert(member).values(_member_row).returning(member.c.id).cte("created")
CREATE_INACTIVE_ALONE = Prepared(
    insert(event).from_select(
        _event_columns,
        select(*event_values(PG_XACT_ID).values()).select_from(_created),
    ),
    NoRow,
)
