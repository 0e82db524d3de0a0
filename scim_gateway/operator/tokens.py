"""Operator tokens: random secrets shown once, stored as SHA-256 hashes, always expiring.

Kept apart from the organizations' tokens (scim_gateway/tokens.py): an operator token
belongs to no organization, lives in its own table and opens /api/v1/operator alone.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from seat_core import events
from seat_core.errors import SeatError
from seat_core.models import OperatorToken

PREFIX = "sgo_"
DEFAULT_DAYS = 90
MAX_DAYS = 730
# Last-used is written at most this often per token: a busy client costs one write a minute.
LAST_USED_EVERY = timedelta(minutes=1)


class InvalidOperatorToken(SeatError):
    """An operator token that cannot be issued as asked."""


class OperatorTokenNotFound(SeatError):
    """No live operator token with that id."""


def hash_secret(secret: str) -> str:
    """Return the stored form of a secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def actor_of(token: OperatorToken) -> events.Actor:
    """Return the token as the actor of the events it causes."""
    return events.Actor("operator", str(token.id), token.label)


def issue_operator_token(
    session: Session, *, label: str, at: datetime, days: int = DEFAULT_DAYS
) -> tuple[OperatorToken, str]:
    """Create a token and return its row and its secret, which is never stored.

    :raises InvalidOperatorToken: for an empty label or a lifetime out of 1 to 730 days.
    """
    label = label.strip()
    if not label or len(label) > 200:
        raise InvalidOperatorToken("The token needs a label of 1 to 200 characters")
    if not 1 <= days <= MAX_DAYS:
        raise InvalidOperatorToken(f"A token lives 1 to {MAX_DAYS} days, not {days}")
    secret = PREFIX + secrets.token_urlsafe(32)
    row = OperatorToken(
        token_hash=hash_secret(secret),
        prefix=secret[:12],
        label=label,
        created_at=at,
        expires_at=at + timedelta(days=days),
    )
    session.add(row)
    session.flush()
    return row, secret


def find_operator_token(session: Session, secret: str, *, at: datetime) -> OperatorToken | None:
    """Return the live operator token with that secret, or None."""
    if not secret.startswith(PREFIX) or len(secret) > 200:
        return None
    return session.scalars(
        select(OperatorToken).where(
            OperatorToken.token_hash == hash_secret(secret),
            OperatorToken.revoked_at.is_(None),
            OperatorToken.expires_at > at,
        )
    ).first()


def needs_last_used(token: OperatorToken, *, at: datetime) -> bool:
    """Tell whether the token's last use is stale enough to be written again."""
    return token.last_used_at is None or token.last_used_at <= at - LAST_USED_EVERY


def mark_used(session: Session, token_id: int, *, at: datetime) -> None:
    """Record a use, unless one was recorded in the last minute (one guarded UPDATE)."""
    session.execute(
        update(OperatorToken)
        .where(
            OperatorToken.id == token_id,
            or_(
                OperatorToken.last_used_at.is_(None),
                OperatorToken.last_used_at <= at - LAST_USED_EVERY,
            ),
        )
        .values(last_used_at=at)
    )


def operator_tokens(session: Session) -> list[OperatorToken]:
    """Return every operator token, oldest first."""
    return list(session.scalars(select(OperatorToken).order_by(OperatorToken.id)))


def revoke_operator_token(session: Session, token_id: int, *, at: datetime) -> OperatorToken:
    """Revoke a live operator token.

    :raises OperatorTokenNotFound: when there is no live token with that id.
    """
    row = session.scalars(
        update(OperatorToken)
        .where(OperatorToken.id == token_id, OperatorToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .returning(OperatorToken)
    ).first()
    if row is None:
        raise OperatorTokenNotFound(f"No live operator token {token_id}")
    return row
