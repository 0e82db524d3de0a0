"""Contracts: read an organization's contract and record each change of its seats."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date, datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session

from .fastpath import record_event, statements
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
    connection = session.connection() if isinstance(session, Session) else session
    record_event(connection, contract_id, member_id, kind, counts, on=on, at=at)
