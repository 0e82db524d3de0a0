"""The seat forecast that Billing settings and Usage show (docs/forecast.md)."""

from __future__ import annotations

from flask import current_app, g
from sqlalchemy.orm import Session

from seat_core import Forecast, forecast_of
from seat_core.models import Contract

from ..clock import today_for


def forecast_for(session: Session, contract: Contract) -> Forecast:
    """Return the signed-in organization's forecast on its billing day."""
    return forecast_of(
        session,
        g.organization,
        today=today_for(contract),
        max_seats=int(current_app.config["MAX_SEATS_PER_PURCHASE"]),
    )
