"""The seat forecast that Billing settings and Usage show (docs/forecast.md)."""

from __future__ import annotations

from datetime import date, timedelta

from flask import current_app, g
from sqlalchemy.orm import Session

from seat_core import Forecast, forecast_of
from seat_core.models import Contract, Organization

from ..clock import today_for
from .chart import Projection


def forecast_for(
    session: Session, contract: Contract, organization: Organization | None = None
) -> Forecast:
    """Return the organization's forecast on its billing day (the signed-in one's by default)."""
    return forecast_of(
        session,
        organization or g.organization,
        today=today_for(contract),
        max_seats=int(current_app.config["MAX_SEATS_PER_PURCHASE"]),
    )


def projection_of(forecast: Forecast, today: date) -> Projection | None:
    """Return the forecast's line for the Usage chart: to the run-out day, or the term's end."""
    if forecast.basis not in ("runs_out", "lasts_the_term", "not_growing"):
        return None
    end = forecast.runs_out_on or forecast.term_end - timedelta(days=1)
    value = forecast.level + forecast.per_day * (end - today).days
    return Projection(today, float(forecast.level), end, max(float(value), 0.0))
