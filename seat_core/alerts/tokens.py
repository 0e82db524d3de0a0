"""The alert that a bearer token expires soon (RFC 7644 §7.4): an identity provider's SCIM
token, or an API token of an owner or of the organization."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import ApiToken, Owner
from .outbox import enqueue

# Days before a token expires when the owners hear of it: once at each.
TOKEN_NOTICE_DAYS = (30, 7)


def notice_days(expires_at: datetime | None, *, at: datetime) -> int | None:
    """Return the notice (30 or 7 days) a token expiring at expires_at is within, or None."""
    if expires_at is None or expires_at <= at:
        return None
    crossed = [days for days in TOKEN_NOTICE_DAYS if expires_at <= at + timedelta(days=days)]
    return min(crossed) if crossed else None


def notify_token_expiry(session: Session, *, at: datetime) -> int:
    """Warn the owners of each live token 30 and then 7 days before it expires.

    Each notice is written once per token and expiry (a token whose life is shorter than
    30 days gets only the notice it is within). An API token's notice names its kind and
    the owner it acts for, if any. Return how many alerts were written.
    """
    horizon = at + timedelta(days=max(TOKEN_NOTICE_DAYS))
    rows = session.execute(
        select(ApiToken, Owner.email)
        .outerjoin(Owner, ApiToken.owner_id == Owner.id)
        .where(
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > at,
            ApiToken.expires_at <= horizon,
        )
        .order_by(ApiToken.id)
    ).all()
    written = 0
    for token, owner in rows:
        expires_at = token.expires_at
        days = notice_days(expires_at, at=at)
        if expires_at is None or days is None:
            continue
        outbox_id = enqueue(
            session,
            organization_id=token.organization_id,
            event="token.expiring",
            payload={
                "token_id": token.id,
                "kind": token.kind,
                "owner": owner,
                "label": token.label,
                "prefix": token.prefix,
                "expires_at": expires_at.isoformat(),
                "days_left": max(0, (expires_at - at).days),
                "notice_days": days,
            },
            at=at,
            dedupe_key=f"{token.kind}-token:{token.id}:{expires_at.isoformat()}:{days}",
        )
        written += outbox_id is not None
    return written
