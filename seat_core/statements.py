"""The seat path's statements, built once: building SQLAlchemy expressions on every call
cost more than running them. Each takes its values as bound parameters."""

from __future__ import annotations

from typing import cast

from sqlalchemy import Table, bindparam, delete, insert, select, update

from .models import AlertSettings, Contract, Seat, SeatEvent, SeatRequest, ThresholdState

contract = cast(Table, Contract.__table__)
seat = cast(Table, Seat.__table__)
seat_event = cast(Table, SeatEvent.__table__)
seat_request = cast(Table, SeatRequest.__table__)
threshold_state = cast(Table, ThresholdState.__table__)
alert_settings = cast(Table, AlertSettings.__table__)

CONTRACT_OF = (
    select(Contract)
    .where(Contract.organization_id == bindparam("organization_id"))
    .execution_options(populate_existing=True)
)

# What taking a seat needs to know, in one round trip: the contract's terms, the alert
# thresholds, and whether the member's identity has a pending seat request to admit.
SEAT_CONTEXT = (
    select(
        contract.c.id,
        contract.c.timezone,
        contract.c.term_end,
        contract.c.auto_renew,
        alert_settings.c.thresholds,
        select(seat_request.c.id)
        .where(
            seat_request.c.organization_id == contract.c.organization_id,
            seat_request.c.status == "pending",
            seat_request.c.identity_key.in_(bindparam("p_keys", expanding=True)),
        )
        .exists()
        .label("has_pending"),
    )
    .select_from(
        contract.outerjoin(
            alert_settings, alert_settings.c.organization_id == contract.c.organization_id
        )
    )
    .where(contract.c.organization_id == bindparam("organization_id"))
)

HOLDS_SEAT = select(seat.c.id).where(seat.c.member_id == bindparam("member_id"))

INSERT_SEAT = insert(seat)

# The only way to take a seat: one statement that checks and increments at once, so that
# no two requests, processes or hosts can both see "one seat left" and both take it. The
# CHECK constraint on contract backs it; the UNIQUE seat.member_id stops a member from
# holding two.
TAKE_SEAT = (
    update(contract)
    .where(
        contract.c.id == bindparam("p_contract_id"),
        contract.c.seats_used < contract.c.seats_purchased,
        contract.c.status == "active",
        contract.c.term_start <= bindparam("p_on"),
        contract.c.term_end > bindparam("p_on"),
    )
    .values(seats_used=contract.c.seats_used + 1)
    .returning(contract.c.seats_used, contract.c.seats_purchased, contract.c.term_index)
)

DELETE_SEAT = (
    delete(seat).where(seat.c.member_id == bindparam("p_member_id")).returning(seat.c.contract_id)
)

RELEASE_SEAT = (
    update(contract)
    .where(contract.c.id == bindparam("p_contract_id"))
    .values(seats_used=contract.c.seats_used - 1)
    .returning(
        contract.c.seats_used,
        contract.c.seats_purchased,
        contract.c.term_index,
        contract.c.timezone,
    )
)

INSERT_SEAT_EVENT = insert(seat_event)

ADMIT_REQUESTS = (
    update(seat_request)
    .where(
        seat_request.c.organization_id == bindparam("p_organization_id"),
        seat_request.c.status == "pending",
        seat_request.c.identity_key.in_(bindparam("p_keys", expanding=True)),
    )
    .values(status="admitted", resolved_at=bindparam("p_at"), member_id=bindparam("p_member_id"))
)

REOPEN_REQUESTS = (
    update(seat_request)
    .where(
        seat_request.c.member_id == bindparam("p_member_id"),
        seat_request.c.status == "admitted",
        seat_request.c.resolved_at == bindparam("p_at"),
    )
    .values(status="pending", resolved_at=None)
)

REARM_THRESHOLDS = (
    update(threshold_state)
    .where(
        threshold_state.c.contract_id == bindparam("p_contract_id"),
        threshold_state.c.threshold.in_(bindparam("p_thresholds", expanding=True)),
        threshold_state.c.armed.is_(False),
    )
    .values(armed=True)
)
