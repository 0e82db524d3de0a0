"""Contracts: read an organization's contract and record each change of its seats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from . import statements
from .models import Contract


def contract_of(session: Session, organization_id: int) -> Contract:
    """Return the organization's contract as it is in the database now."""
    contract: Contract = session.scalars(
        statements.CONTRACT_OF, {"organization_id": organization_id}
    ).one()
    return contract


def record_seat_event(
    session: Session | Connection,
    contract_id: int,
    member_id: str | None,
    kind: str,
    counts: Sequence[int],
    *,
    on: date,
    at: datetime,
) -> None:
    """Record a change of seats for the usage history, in the session's transaction."""
    seats_used, seats_purchased, term_index = counts
    statements.INSERT_SEAT_EVENT.rows(
        session.connection() if isinstance(session, Session) else session,
        {
            "contract_id": contract_id,
            "member_id": member_id,
            "kind": kind,
            "seats_used": seats_used,
            "seats_purchased": seats_purchased,
            "term_index": term_index,
            "on": on,
            "at": at,
        },
    )
