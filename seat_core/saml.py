"""The replay cache of SAML assertions: an assertion id is accepted once per organization."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import delete
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from .models import SamlAssertion

# The clock difference tolerated with an IdP: an assertion is kept this long past its end,
# since it is accepted that long too.
SKEW = timedelta(minutes=2)


def accept_assertion(
    session: Session,
    organization_id: int,
    assertion_id: str,
    *,
    not_on_or_after: datetime,
    at: datetime,
) -> bool:
    """Record the assertion id as used; False if it was used before (a replay).

    Assertions past their end (and the skew) are pruned first: no one can replay them, the
    time conditions refuse them. The insert is one statement that does nothing on conflict,
    so two workers racing with the same Response accept it once.
    """
    session.execute(delete(SamlAssertion).where(SamlAssertion.not_on_or_after < at - SKEW))
    values = {
        "organization_id": organization_id,
        "assertion_id": assertion_id,
        "not_on_or_after": not_on_or_after,
        "accepted_at": at,
    }
    insert = (
        postgresql.insert(SamlAssertion)
        if session.get_bind().dialect.name == "postgresql"
        else sqlite.insert(SamlAssertion)
    )
    statement = insert.values(**values).on_conflict_do_nothing()
    return session.execute(statement.returning(SamlAssertion.assertion_id)).first() is not None
