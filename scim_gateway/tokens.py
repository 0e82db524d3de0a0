"""Bearer tokens: random secrets shown once, stored as SHA-256 hashes."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from seat_core.models import ApiToken, Organization

PREFIXES = {"scim": "scim_", "api": "sgw_"}


def hash_token(token: str) -> str:
    """Return the stored form of a token."""
    return hashlib.sha256(token.encode()).hexdigest()


def issue_token(
    session: Session,
    organization: Organization,
    *,
    kind: str,
    at: datetime,
    owner_id: int | None = None,
    label: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiToken, str]:
    """Create a token and return its row and its secret, which is never stored."""
    secret = PREFIXES[kind] + secrets.token_urlsafe(32)
    row = ApiToken(
        organization_id=organization.id,
        owner_id=owner_id,
        kind=kind,
        token_hash=hash_token(secret),
        prefix=secret[:12],
        label=label,
        created_at=at,
        expires_at=expires_at,
    )
    session.add(row)
    session.flush()
    return row, secret


def find_token(session: Session, secret: str, *, kind: str, at: datetime) -> ApiToken | None:
    """Return the live token of that kind with that secret, or None."""
    if not secret or len(secret) > 200:
        return None
    return session.scalars(
        select(ApiToken).where(
            ApiToken.token_hash == hash_token(secret),
            ApiToken.kind == kind,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > at),
        )
    ).first()


def revoke_token(
    session: Session, organization: Organization, token_id: int, *, at: datetime
) -> bool:
    """Revoke a token of the organization; return False if there was no live one."""
    result = session.execute(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.organization_id == organization.id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=at)
    )
    return bool(result.rowcount)  # type: ignore[attr-defined]
