"""Contracts: read an organization's contract as the database holds it now."""

from __future__ import annotations

from sqlalchemy.orm import Session

from .fastpath import statements
from .models import Contract


def contract_of(session: Session, organization_id: int) -> Contract:
    """Return the organization's contract as it is in the database now."""
    contract: Contract = session.scalars(
        statements.CONTRACT_OF, {"organization_id": organization_id}
    ).one()
    return contract
