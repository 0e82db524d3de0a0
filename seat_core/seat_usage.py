"""Seat usage: the seats purchased and in use in the current term, and who waits for one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from .contracts import contract_of
from .models import Organization
from .seat_requests import pending_requests


@dataclass(frozen=True)
class Usage:
    """Seats of an organization's current term."""

    seats_purchased: int
    seats_in_use: int
    pending_requests: int
    term_start: date
    term_end: date
    status: str

    @property
    def seats_free(self) -> int:
        return self.seats_purchased - self.seats_in_use


def usage(session: Session, organization: Organization) -> Usage:
    """Return the seats purchased and in use, and how many people wait for one."""
    contract = contract_of(session, organization.id)
    pending = pending_requests(session, organization.id)
    return Usage(
        seats_purchased=contract.seats_purchased,
        seats_in_use=contract.seats_used,
        pending_requests=pending,
        term_start=contract.term_start,
        term_end=contract.term_end,
        status=contract.status,
    )
