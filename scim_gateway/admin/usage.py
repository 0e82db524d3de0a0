"""Usage history: seats in use against seats purchased over the current term."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from typing import Any

from flask import g, render_template
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from seat_core import contract_of
from seat_core.history import closing_counts
from seat_core.models import Contract, ContractTerm, Organization

from ..clock import today_for
from ..db import read_only
from . import bp
from .auth import owner_required
from .chart import Point, draw
from .forecast import forecast_for, projection_of


@bp.get("/<org>/usage")
@owner_required()
def usage_history(org: str) -> Any:
    """Show the chart of seats in use and purchased over the term."""
    with read_only() as session:
        contract = contract_of(session, g.organization.id)
        chart, points, forecast = usage_chart(session, contract)
        return render_template(
            "admin/usage.html",
            chart=chart,
            contract=contract,
            points=points[-10:][::-1],
            forecast=forecast,
        )


def usage_chart(
    session: Session, contract: Contract, organization: Organization | None = None
) -> tuple[Markup, list[Point], Any]:
    """Return the term's chart, its daily points and the forecast drawn on it."""
    term = session.scalars(
        select(ContractTerm).where(
            ContractTerm.contract_id == contract.id,
            ContractTerm.term_index == contract.term_index,
        )
    ).first()
    # Each day's closing counts, from the event log (seat_core/history.py).
    since = datetime.combine(contract.term_start - timedelta(days=1), time(), UTC)
    events = closing_counts(
        session, contract.organization_id, term_index=contract.term_index, since=since
    )
    points = []
    if term is not None:
        points.append(Point(term.start, term.seats_used_at_start, term.seats_purchased_at_start))
    points += [Point(on, used, bought) for on, used, bought in events]
    if not points:
        points = [Point(contract.term_start, contract.seats_used, contract.seats_purchased)]
    today = today_for(contract)
    forecast = forecast_for(session, contract, organization)
    chart = draw(
        points,
        start=contract.term_start,
        end=contract.term_end,
        until=today,
        projection=projection_of(forecast, today),
    )
    return chart, points, forecast
