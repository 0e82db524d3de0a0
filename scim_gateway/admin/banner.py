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
    """N people waiting, the seats free for them, and what buying the rest costs today."""

    waiting: int
    free: int
    amount_minor: int | None
    currency: str

    @property
    def to_buy(self) -> int:
        """Return the seats to add so that everyone waiting can be admitted."""
        return max(0, self.waiting - self.free)

    @property
    def can_admit_all(self) -> bool:
        """Say whether the free seats already cover everyone waiting."""
        return self.to_buy == 0


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
    free = max(0, contract.seats_purchased - contract.seats_used)
    amount: int | None = None
    if waiting > free:
        try:
            # Priced by the purchase's own quote, for the seats the free ones do not cover.
            quote = quote_purchase(
                session,
                organization,
                seats=waiting - free,
                on=today_for(contract),
                max_seats=waiting,
            )
            amount = quote.amount_minor
        except SeatError:
            # Outside the term (expired contract): the banner still says who is waiting.
            amount = None
    return Banner(waiting=waiting, free=free, amount_minor=amount, currency=contract.currency)
