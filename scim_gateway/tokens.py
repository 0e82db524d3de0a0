"""Bearer tokens: random secrets shown once, stored as SHA-256 hashes, their use recorded.

Lifetimes and the last-use rule are seat_core.credentials', for every kind of token.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from seat_core import events, token_state
from seat_core.models import ApiToken, Organization, Owner

PREFIXES = {"scim": "scim_", "api": "sgw_"}
# Tokens a process remembers at once: far more than the organizations' identity providers
# that call one worker; past it the oldest goes first.
CACHE_SIZE = 1024


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
    events.record(
        session,
        organization.id,
        "token.issued",
        at=at,
        subject=label,
        data=_described(row),
    )
    return row, secret


def _described(row: ApiToken) -> dict[str, object]:
    """Return what an event tells of a token: never its secret, hash or prefix."""
    return {"token_id": row.id, "kind": row.kind, "label": row.label, "owner_id": row.owner_id}


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


class LiveToken(NamedTuple):
    """What a request needs of a live token: its id, organization, end, label and language."""

    id: int
    organization_id: int
    expires_at: datetime | None
    # Names the token in the event log (seat_core/events.py).
    label: str | None = None
    # The organization's language, which errors are written in when the client asks none.
    language: str | None = None


def load_token(session: Session, token_hash: str, *, kind: str, at: datetime) -> LiveToken | None:
    """Return the live token of that kind with that hash, as five columns, or None."""
    row = session.execute(
        select(
            ApiToken.id,
            ApiToken.organization_id,
            ApiToken.expires_at,
            ApiToken.label,
            Organization.language,
        )
        .join(Organization, Organization.id == ApiToken.organization_id)
        .where(
            ApiToken.token_hash == token_hash,
            ApiToken.kind == kind,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > at),
        )
    ).first()
    return None if row is None else LiveToken(*row)


class TokenCache:
    """Live tokens by hash, each trusted for at most `seconds` after it was read.

    A revocation, or a token's organization deleted, reaches a process within that bound;
    0 reads the database on every request. Expiry is checked on every use, so it is exact.
    Unknown secrets are never remembered: a new token works at once, and guessing cannot
    fill the cache.
    """

    def __init__(
        self,
        seconds: float,
        *,
        size: int = CACHE_SIZE,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.seconds = seconds
        self.size = size
        self.clock = clock
        self._tokens: dict[str, tuple[float, LiveToken]] = {}
        self._lock = threading.Lock()

    def find(
        self,
        secret: str,
        *,
        kind: str,
        at: datetime,
        load: Callable[[str], LiveToken | None],
    ) -> LiveToken | None:
        """Return the live token with that secret, calling load(hash) if not remembered."""
        if not secret or len(secret) > 200:
            return None
        key = f"{kind}:{hash_token(secret)}"
        now = self.clock()
        remembered = self._tokens.get(key)
        if remembered is not None and remembered[0] > now:
            token = remembered[1]
        else:
            token = load(key.partition(":")[2])
            if token is None:
                self._tokens.pop(key, None)
                return None
            if self.seconds > 0:
                with self._lock:  # a threaded server: the oldest key is read, then dropped
                    if len(self._tokens) >= self.size:
                        self._tokens.pop(next(iter(self._tokens)), None)
                    self._tokens[key] = (now + self.seconds, token)
        if token.expires_at is not None and token.expires_at <= at:
            return None
        return token

    def clear(self) -> None:
        """Forget every token, e.g. after revoking one in this process."""
        self._tokens.clear()


def revoke_token(
    session: Session, organization: Organization, token_id: int, *, at: datetime
) -> bool:
    """Revoke a token of the organization; return False if there was no live one."""
    row = session.scalars(
        update(ApiToken)
        .where(
            ApiToken.id == token_id,
            ApiToken.organization_id == organization.id,
            ApiToken.revoked_at.is_(None),
        )
        .values(revoked_at=at)
        .returning(ApiToken)
    ).first()
    if row is None:
        return False
    data = _described(row)
    events.record(session, organization.id, "token.revoked", at=at, subject=row.label, data=data)
    return True


# The kinds each `--kind` of the token list names.
KINDS = {"scim": ("scim",), "api": ("api",), "all": ("scim", "api")}


def tokens_of(
    session: Session, organization: Organization, *, at: datetime, kinds: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Describe the organization's tokens of those kinds, oldest first, never their secrets."""
    rows = session.execute(
        select(ApiToken, Owner.email)
        .outerjoin(Owner, Owner.id == ApiToken.owner_id)
        .where(ApiToken.organization_id == organization.id, ApiToken.kind.in_(kinds))
        .order_by(ApiToken.id)
    ).all()
    return [
        {
            "id": row.id,
            "kind": row.kind,
            "prefix": row.prefix,
            "label": row.label,
            "owner": email,
            "state": token_state(revoked_at=row.revoked_at, expires_at=row.expires_at, at=at),
            "created_at": row.created_at.isoformat(),
            "expires_at": _iso(row.expires_at),
            "revoked_at": _iso(row.revoked_at),
            "last_used_at": _iso(row.last_used_at),
        }
        for row, email in rows
    ]


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value is not None else None


def revoke_owner_tokens(session: Session, owner_id: int, *, at: datetime) -> list[int]:
    """Revoke every live token of an owner, each with its token.revoked event; return ids."""
    rows = session.scalars(
        update(ApiToken)
        .where(ApiToken.owner_id == owner_id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=at)
        .returning(ApiToken)
    ).all()
    for row in sorted(rows, key=lambda row: row.id):
        data = _described(row)
        events.record(
            session, row.organization_id, "token.revoked", at=at, subject=row.label, data=data
        )
    return sorted(row.id for row in rows)
