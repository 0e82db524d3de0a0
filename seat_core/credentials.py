"""Bearer tokens' lifetimes and last use: one rule for every kind of token (docs/tokens.md).

RFC 7644 §7.4 says bearer tokens MUST have a limited lifetime: a token gets a default one,
and only a caller that says so explicitly issues one that never expires. Its last use is
written at most once a minute, so that a busy token costs no write per request.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Connection, or_, update
from sqlalchemy.orm import Session

DEFAULT_LIFETIME_DAYS = 365
# The last use is written again only once it is this old.
USE_RECORD_INTERVAL = timedelta(seconds=60)


class LifetimeConflict(ValueError):
    """A token was asked to expire after some days and never, both at once."""


def expiry_of(
    *, at: datetime, days: int | None, no_expiry: bool, default_days: int
) -> datetime | None:
    """Return when a token issued at `at` expires: after days, else the default, or never.

    :raises LifetimeConflict: when both days and no_expiry are given.
    """
    if days is not None and no_expiry:
        raise LifetimeConflict("a token cannot both expire after some days and never expire")
    if no_expiry:
        return None
    return at + timedelta(days=days if days is not None else default_days)


def token_state(*, revoked_at: datetime | None, expires_at: datetime | None, at: datetime) -> str:
    """Say whether a token is "revoked", "expired" or "live" at `at`."""
    if revoked_at is not None:
        return "revoked"
    if expires_at is not None and expires_at <= at:
        return "expired"
    return "live"


def record_use(session: Session | Connection, table: Any, token_id: int, *, at: datetime) -> bool:
    """Write the token's last use unless it was written less than a minute ago.

    One conditional UPDATE on any token table with ``id`` and ``last_used_at`` columns:
    however many processes race, the column moves at most once a minute. Return whether
    it moved.
    """
    result = session.execute(
        update(table)
        .where(
            table.id == token_id,
            or_(table.last_used_at.is_(None), table.last_used_at < at - USE_RECORD_INTERVAL),
        )
        .values(last_used_at=at)
        .execution_options(synchronize_session=False)
    )
    return bool(getattr(result, "rowcount", 0))
