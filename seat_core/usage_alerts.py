"""Usage alerts follow every seat change, with the seat forecast: a seat hook (hooks.py)."""

from __future__ import annotations

from functools import partial

from sqlalchemy.orm import Session

from . import alerts
from .forecast import alert_projection
from .hooks import SeatChange


def wants_usage_alert(change: SeatChange) -> bool:
    """Tell whether a change may fire or re-arm a threshold: most takes reach none."""
    if not (change.rising and change.thresholds_read):
        return True
    thresholds = alerts.thresholds_from(change.thresholds)
    return bool(alerts.crossed(change.seats_used, change.seats_purchased, thresholds))


def alert_usage(session: Session, change: SeatChange) -> None:
    """Fire each threshold usage reached, re-arm those it fell below, with the forecast."""
    alerts.usage_changed(
        session,
        contract_id=change.contract_id,
        organization_id=change.organization_id,
        seats_used=change.seats_used,
        seats_purchased=change.seats_purchased,
        term_index=change.term_index,
        at=change.at,
        thresholds=alerts.thresholds_from(change.thresholds) if change.thresholds_read else None,
        rising=change.rising,
        projection=partial(alert_projection, session, change.organization_id, change.at),
    )
