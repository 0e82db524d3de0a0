"""The banner shown on every admin page while people are waiting for a seat."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seat_core import SeatError, quote_purchase
from seat_core.models import Organization, SeatRequest

from ..clock import today_for


@dataclass(frozen=True)
class Banner:
    """N people waiting, and what admitting them all would cost today."""

    waiting: int
    amount_minor: int | None
    currency: str


def pending_count(session: Session, organization_id: int) -> int:
    """Count the organization's pending seat requests."""
    return (
        session.scalar(
            select(func.count())
            .select_from(SeatRequest)
            .where(SeatRequest.organization_id == organization_id, SeatRequest.status == "pending")
        )
        or 0
    )


def pending_banner(session: Session, organization: Organization) -> Banner | None:
    """Return the banner, or None when nobody is waiting."""
    waiting = pending_count(session, organization.id)
    if not waiting:
        return None
    contract = organization.contract
    try:
        quote = quote_purchase(
            session, organization, seats=waiting, on=today_for(contract), max_seats=waiting
        )
        amount: int | None = quote.amount_minor
    except SeatError:
        # Outside the term (expired contract): the banner still says who is waiting.
        amount = None
    return Banner(waiting=waiting, amount_minor=amount, currency=contract.currency)
