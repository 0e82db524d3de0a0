"""What an operator sees of an organization at a glance: seats, forecast, term, invoices."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from .contracts import contract_of
from .forecast import forecast_of
from .models import ApiToken, Contract, Invoice, Organization
from .seat_requests import pending_requests


@dataclass(frozen=True)
class Overview:
    """One organization's row in the operators' list."""

    organization: Organization
    contract: Contract
    pending_requests: int
    runs_out_on: date | None
    invoices_due: int
    invoices_overdue: int
    amount_due_minor: int
    # When the first live SCIM token that expires does so, if one does.
    scim_token_expires_at: datetime | None

    @property
    def percent_used(self) -> int:
        """Seats in use as a whole percentage of seats purchased (rounded down)."""
        purchased = self.contract.seats_purchased
        return self.contract.seats_used * 100 // purchased if purchased else 100


def overview_of(
    session: Session, organization: Organization, *, today: date, at: datetime
) -> Overview:
    """Return the organization's overview as of today in its billing time zone."""
    contract = contract_of(session, organization.id)
    unpaid = select(
        func.count(Invoice.id),
        func.count(Invoice.id).filter(Invoice.due_on < today),
        func.coalesce(func.sum(Invoice.total_minor), 0),
    ).where(Invoice.organization_id == organization.id, Invoice.paid_on.is_(None))
    due, overdue, amount = session.execute(unpaid).one()
    # Ordered rather than min(), so that the column's type turns it back into a datetime.
    expiry = session.scalar(
        select(ApiToken.expires_at)
        .where(
            ApiToken.organization_id == organization.id,
            ApiToken.kind == "scim",
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > at,
        )
        .order_by(ApiToken.expires_at)
        .limit(1)
    )
    return Overview(
        organization=organization,
        contract=contract,
        pending_requests=pending_requests(session, organization.id),
        runs_out_on=forecast_of(session, organization, today=today).runs_out_on,
        invoices_due=int(due),
        invoices_overdue=int(overdue),
        amount_due_minor=int(amount),
        scim_token_expires_at=expiry,
    )
