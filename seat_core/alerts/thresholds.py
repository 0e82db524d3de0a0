"""Usage thresholds: when they fire (pure rules) and their armed state per contract."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from ..db import upsert
from ..fastpath import statements
from ..models import DEFAULT_THRESHOLDS, Contract, ThresholdState
from .outbox import enqueue
from .settings import alert_settings_of, parse_thresholds

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


def usage_changed(
    session: Session,
    *,
    contract_id: int,
    organization_id: int,
    seats_used: int,
    seats_purchased: int,
    term_index: int,
    at: datetime,
    thresholds: Iterable[int] | None = None,
    rising: bool = False,
    projection: Callable[[], dict[str, Any]] | None = None,
) -> None:
    """Fire each threshold usage has reached, once, and re-arm those it fell well below.

    A rising count (a seat taken) cannot fall below anything: it skips the re-arming. An
    alert carries what projection returns, the seat forecast, asked only when one fires.
    """
    if thresholds is None:
        thresholds = alert_settings_of(session, organization_id).thresholds
    thresholds = tuple(thresholds)
    rearm = [] if rising else rearmable(seats_used, seats_purchased, thresholds)
    if rearm:
        session.execute(
            statements.REARM_THRESHOLDS, {"p_contract_id": contract_id, "p_thresholds": rearm}
        )
    fired: list[int] = []
    for threshold in crossed(seats_used, seats_purchased, thresholds):
        _ensure_state(session, contract_id, threshold)
        # Disarm in one statement: of two requests crossing together, one fires.
        disarmed = session.execute(
            update(ThresholdState)
            .where(
                ThresholdState.contract_id == contract_id,
                ThresholdState.threshold == threshold,
                ThresholdState.armed.is_(True),
            )
            .values(armed=False)
            .returning(ThresholdState.threshold)
        ).first()
        if disarmed is not None:
            fired.append(threshold)
    if fired:
        # Crossing several at once (80 and 90 by one purchase of fewer seats, say) is one
        # alert, about the highest.
        enqueue(
            session,
            organization_id=organization_id,
            event="usage.threshold",
            payload={
                "threshold": max(fired),
                "seats_in_use": seats_used,
                "seats_purchased": seats_purchased,
                "term_index": term_index,
                **({"forecast": projection()} if projection is not None else {}),
            },
            at=at,
        )


def thresholds_from(text: str | None) -> tuple[int, ...]:
    """Return thresholds as stored in the settings, or the defaults when none are set."""
    return DEFAULT_THRESHOLDS if text is None else parse_thresholds(text)


def _ensure_state(session: Session, contract_id: int, threshold: int) -> None:
    session.execute(
        upsert(session, ThresholdState)
        .values(contract_id=contract_id, threshold=threshold, armed=True)
        .on_conflict_do_nothing()
    )


def rearm_all(session: Session, *, contract_id: int) -> None:
    """Re-arm every threshold: seats were added or a new term began."""
    session.execute(
        update(ThresholdState).where(ThresholdState.contract_id == contract_id).values(armed=True)
    )


def rearm_below(session: Session, contract: Contract) -> None:
    """Re-arm thresholds that current usage no longer reaches."""
    used, purchased = session.execute(
        select(Contract.seats_used, Contract.seats_purchased).where(Contract.id == contract.id)
    ).one()
    session.execute(
        update(ThresholdState)
        .where(
            ThresholdState.contract_id == contract.id,
            ThresholdState.armed.is_(False),
            # Usage below the threshold: used / purchased < threshold / 100.
            ThresholdState.threshold * purchased > used * 100,
        )
        .values(armed=True)
    )
