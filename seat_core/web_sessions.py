"""Keep web sessions and sign-in flows in the database; a browser holds only random keys."""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .models import SignInFlow, WebSession

# 32 random bytes: a 256-bit key, as guessable as the secret key that signs the cookie.
KEY_BYTES = 32
# last_seen_at is written at most this often, so that reads do not all become writes.
SEEN_EVERY = timedelta(minutes=1)


@dataclass(frozen=True)
class Flow:
    """What the callback of a sign-in needs from its start: PKCE verifier, nonce, next."""

    code_verifier: str
    nonce: str
    next: str


def new_key() -> str:
    """Return a new random key for a cookie or an OAuth state."""
    return secrets.token_urlsafe(KEY_BYTES)


def hash_key(key: str) -> str:
    """Return the SHA-256 under which a key is stored; a 256-bit secret needs no slow hash."""
    return hashlib.sha256(key.encode()).hexdigest()


def open_session(
    session: Session,
    *,
    kind: str,
    organization_id: int,
    via: str,
    at: datetime,
    lifetime: timedelta,
    member_id: str | None = None,
    owner_id: int | None = None,
    id_token: str | None = None,
) -> str:
    """Open a web session and return the key its cookie carries; expired sessions go too."""
    session.execute(delete(WebSession).where(WebSession.expires_at <= at))
    key = new_key()
    session.add(
        WebSession(
            id_hash=hash_key(key),
            kind=kind,
            organization_id=organization_id,
            member_id=member_id,
            owner_id=owner_id,
            via=via,
            id_token=id_token,
            created_at=at,
            last_seen_at=at,
            expires_at=at + lifetime,
        )
    )
    session.flush()
    return key


def find_session(
    session: Session, key: str | None, *, kind: str, at: datetime
) -> WebSession | None:
    """Return the live session of a cookie's key, or None if it ended, expired or never was."""
    if not key:
        return None
    found: WebSession | None = session.scalars(
        select(WebSession).where(
            WebSession.id_hash == hash_key(key),
            WebSession.kind == kind,
            WebSession.expires_at > at,
        )
    ).first()
    return found


def needs_seen(web_session: WebSession, *, at: datetime) -> bool:
    """Tell whether the session's last_seen_at is old enough to be written again."""
    return at - web_session.last_seen_at >= SEEN_EVERY


def mark_seen(session: Session, key: str, *, at: datetime) -> None:
    """Record that the session of key was used at the given time."""
    session.execute(
        update(WebSession).where(WebSession.id_hash == hash_key(key)).values(last_seen_at=at)
    )


def end_session(
    session: Session,
    key: str | None,
    *,
    kind: str,
    organization_id: int | None = None,
    via: str | None = None,
) -> WebSession | None:
    """End the session of key if it is of that kind (organization, way in); return it."""
    if not key:
        return None
    statement = delete(WebSession).where(
        WebSession.id_hash == hash_key(key), WebSession.kind == kind
    )
    if organization_id is not None:
        statement = statement.where(WebSession.organization_id == organization_id)
    if via is not None:
        statement = statement.where(WebSession.via == via)
    ended: WebSession | None = session.scalars(statement.returning(WebSession)).first()
    return ended


def end_member_sessions(session: Session, member_id: str) -> None:
    """End every session of the member at once, in the caller's transaction."""
    # On the release path: no loaded session object needs to follow the DELETE.
    session.execute(
        delete(WebSession).where(WebSession.member_id == member_id),
        execution_options={"synchronize_session": False},
    )


def start_flow(
    session: Session,
    state: str,
    flow: Flow,
    *,
    organization_id: int,
    at: datetime,
    lifetime: timedelta,
) -> None:
    """Remember a sign-in sent to the provider until its callback; expired flows go."""
    session.execute(delete(SignInFlow).where(SignInFlow.expires_at <= at))
    session.add(
        SignInFlow(
            state_hash=hash_key(state),
            organization_id=organization_id,
            code_verifier=flow.code_verifier,
            nonce=flow.nonce,
            next=flow.next,
            created_at=at,
            expires_at=at + lifetime,
        )
    )


def requests_of(
    session: Session, states: list[str], *, organization_id: int, at: datetime
) -> dict[str, str]:
    """Return the live, unused flows of the states as {nonce: state}.

    A SAML flow keeps its AuthnRequest id as its nonce: this maps the requests a browser
    started to the states its cookie holds, for the Response's InResponseTo.
    """
    by_hash = {hash_key(state): state for state in states}
    rows = session.execute(
        select(SignInFlow.state_hash, SignInFlow.nonce).where(
            SignInFlow.state_hash.in_(list(by_hash)),
            SignInFlow.organization_id == organization_id,
            SignInFlow.used_at.is_(None),
            SignInFlow.expires_at > at,
        )
    )
    return {row.nonce: by_hash[row.state_hash] for row in rows}


def take_flow(session: Session, state: str, *, organization_id: int, at: datetime) -> Flow | None:
    """Use the organization's live flow of the state, once; None if there is none to use."""
    # One guarded UPDATE: of two callbacks racing with the same state, one gets the flow.
    row = session.execute(
        update(SignInFlow)
        .where(
            SignInFlow.state_hash == hash_key(state),
            SignInFlow.organization_id == organization_id,
            SignInFlow.used_at.is_(None),
            SignInFlow.expires_at > at,
        )
        .values(used_at=at)
        .returning(SignInFlow.code_verifier, SignInFlow.nonce, SignInFlow.next)
    ).first()
    if row is None:
        return None
    return Flow(code_verifier=row.code_verifier, nonce=row.nonce, next=row.next)
