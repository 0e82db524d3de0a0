"""Alerts for owners: threshold rules (pure) and outbox writes in the caller's transaction."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import insert, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import Contract, Invoice, Organization, Outbox, SeatRequest, ThresholdState
from .terms import format_money

DEFAULT_THRESHOLDS = (80, 90, 100)
REARM_POINTS = 5


def crossed(seats_used: int, seats_purchased: int, thresholds: Iterable[int]) -> list[int]:
    """Return the thresholds (percent) that usage has reached."""
    if seats_purchased <= 0:
        return []
    return [t for t in thresholds if seats_used * 100 >= t * seats_purchased]


def rearmable(seats_used: int, seats_purchased: int, thresholds: Iterable[int]) -> list[int]:
    """Return the thresholds that usage has fallen at least REARM_POINTS below."""
    if seats_purchased <= 0:
        return list(thresholds)
    return [t for t in thresholds if seats_used * 100 <= (t - REARM_POINTS) * seats_purchased]


def enqueue(
    session: Session,
    *,
    organization_id: int,
    event: str,
    payload: dict[str, Any],
    at: datetime,
    dedupe_key: str | None = None,
) -> None:
    """Write an alert event to the outbox, in the caller's transaction."""
    session.execute(
        insert(Outbox).values(
            organization_id=organization_id,
            event=event,
            payload=payload,
            dedupe_key=dedupe_key,
            created_at=at,
        )
    )


def usage_changed(
    session: Session,
    *,
    contract_id: int,
    organization_id: int,
    seats_used: int,
    seats_purchased: int,
    term_index: int,
    at: datetime,
    thresholds: Iterable[int] = DEFAULT_THRESHOLDS,
) -> None:
    """Fire each threshold usage has reached, once, and re-arm those it fell well below."""
    thresholds = tuple(thresholds)
    for threshold in rearmable(seats_used, seats_purchased, thresholds):
        session.execute(
            update(ThresholdState)
            .where(
                ThresholdState.contract_id == contract_id,
                ThresholdState.threshold == threshold,
                ThresholdState.armed.is_(False),
            )
            .values(armed=True)
        )
    for threshold in crossed(seats_used, seats_purchased, thresholds):
        _ensure_state(session, contract_id, threshold)
        # Disarm in one statement: of two requests crossing together, one fires.
        fired = session.execute(
            update(ThresholdState)
            .where(
                ThresholdState.contract_id == contract_id,
                ThresholdState.threshold == threshold,
                ThresholdState.armed.is_(True),
            )
            .values(armed=False)
            .returning(ThresholdState.threshold)
        ).first()
        if fired is not None:
            enqueue(
                session,
                organization_id=organization_id,
                event="usage.threshold",
                payload={
                    "threshold": threshold,
                    "seats_in_use": seats_used,
                    "seats_purchased": seats_purchased,
                    "term_index": term_index,
                },
                at=at,
            )


def _ensure_state(session: Session, contract_id: int, threshold: int) -> None:
    dialect = sqlite if session.get_bind().dialect.name == "sqlite" else postgresql
    session.execute(
        dialect.insert(ThresholdState)
        .values(contract_id=contract_id, threshold=threshold, armed=True)
        .on_conflict_do_nothing()
    )


def rearm_all(session: Session, *, contract_id: int) -> None:
    """Re-arm every threshold: seats were added or a new term began."""
    session.execute(
        update(ThresholdState).where(ThresholdState.contract_id == contract_id).values(armed=True)
    )


def seat_refused(
    session: Session,
    *,
    organization: Organization,
    request: SeatRequest,
    reason: str,
    at: datetime,
) -> None:
    """Write the refusal of a seat to the outbox; delivery gathers refusals into digests."""
    enqueue(
        session,
        organization_id=organization.id,
        event="seat.refused",
        payload={
            "request_id": request.id,
            "channel": request.channel,
            "identity": request.identity,
            "display_name": request.display_name,
            "email": request.email,
            "attempts": request.attempts,
            "reason": reason,
        },
        at=at,
    )


def seats_purchased(
    session: Session, *, organization: Organization, invoice: Invoice, at: datetime
) -> None:
    """Write a purchase to the outbox, and re-arm thresholds that usage is now below."""
    contract = session.get_one(Contract, invoice.contract_id)
    rearm_below(session, contract)
    enqueue(
        session,
        organization_id=organization.id,
        event="seats.purchased",
        payload=_invoice_payload(invoice),
        at=at,
    )


def rearm_below(session: Session, contract: Contract) -> None:
    """Re-arm thresholds that current usage no longer reaches."""
    used, purchased = session.execute(
        select(Contract.seats_used, Contract.seats_purchased).where(Contract.id == contract.id)
    ).one()
    reached = set(crossed(used, purchased, DEFAULT_THRESHOLDS))
    for threshold in set(DEFAULT_THRESHOLDS) - reached:
        session.execute(
            update(ThresholdState)
            .where(ThresholdState.contract_id == contract.id, ThresholdState.threshold == threshold)
            .values(armed=True)
        )


def contract_renewed(
    session: Session, *, contract: Contract, invoice: Invoice, at: datetime
) -> None:
    """Write a renewal to the outbox; thresholds fire once per term, so re-arm them."""
    rearm_all(session, contract_id=contract.id)
    enqueue(
        session,
        organization_id=contract.organization_id,
        event="contract.renewed",
        payload={
            **_invoice_payload(invoice),
            "term_start": contract.term_start.isoformat(),
            "term_end": contract.term_end.isoformat(),
        },
        at=at,
        dedupe_key=f"renewed:{contract.id}:{contract.term_index}",
    )


def contract_expired(session: Session, *, contract: Contract, at: datetime) -> None:
    """Write the expiry of a contract that does not auto-renew to the outbox."""
    enqueue(
        session,
        organization_id=contract.organization_id,
        event="contract.expired",
        payload={"term_end": contract.term_end.isoformat()},
        at=at,
        dedupe_key=f"expired:{contract.id}:{contract.term_index}",
    )


def _invoice_payload(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice_id": invoice.id,
        "invoice_number": invoice.number,
        "amount": format_money(invoice.total_minor, invoice.currency),
        "currency": invoice.currency,
        "seats_purchased": invoice.seats_purchased_after,
        "issued_on": invoice.issued_on.isoformat(),
    }
