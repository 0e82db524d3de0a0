"""Operators of the console: invited by mail, a password and a TOTP second factor, sessions."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from seat_core import email_key
from seat_core.errors import SeatError
from seat_core.models import Operator, OperatorLink, OperatorSession

from ..crypto import encrypt
from ..totp import accept_once

LINK_DAYS = 7


class OperatorLinkRefused(SeatError):
    """A link that opens nothing: unknown, used or expired."""


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def add_operator(session: Session, *, email: str, at: datetime) -> tuple[Operator, str]:
    """Add an operator (or find them) and return them with a fresh link secret.

    :raises InvalidIdentity: for an address that is not an email.
    """
    key = email_key(email)
    operator = session.scalars(select(Operator).where(Operator.email_key == key)).first()
    if operator is None:
        operator = Operator(email=email.strip(), email_key=key, created_at=at)
        session.add(operator)
        session.flush()
    secret = secrets.token_urlsafe(32)
    session.add(
        OperatorLink(
            token_hash=_hash(secret),
            operator_id=operator.id,
            created_at=at,
            expires_at=at + timedelta(days=LINK_DAYS),
        )
    )
    session.flush()
    return operator, secret


def check_link(session: Session, secret: str, *, at: datetime) -> Operator:
    """Return the operator of an unused, unexpired link.

    :raises OperatorLinkRefused: for any other link.
    """
    link = session.scalars(
        select(OperatorLink).where(OperatorLink.token_hash == _hash(secret))
    ).first()
    if link is None or link.used_at is not None or link.expires_at <= at:
        raise OperatorLinkRefused("This link has been used or has expired: ask for a new one.")
    return session.get_one(Operator, link.operator_id)


def enrol(
    session: Session, secret: str, *, password_hash: str, totp_secret: str, step: int, at: datetime
) -> Operator:
    """Spend the link once: store the password and second factor.

    :raises OperatorLinkRefused: when the link is unknown, used or expired.
    """
    operator_id = session.scalar(
        update(OperatorLink)
        .where(
            OperatorLink.token_hash == _hash(secret),
            OperatorLink.used_at.is_(None),
            OperatorLink.expires_at > at,
        )
        .values(used_at=at)
        .returning(OperatorLink.operator_id)
    )
    if operator_id is None:
        raise OperatorLinkRefused("This link has been used or has expired: ask for a new one.")
    operator = session.get_one(Operator, operator_id)
    operator.password_hash = password_hash
    operator.totp_secret_encrypted = encrypt(totp_secret)
    operator.totp_last_step = step
    session.flush()
    return operator


def find_operator(session: Session, email: str) -> Operator | None:
    """Return the operator with that email, if any."""
    try:
        key = email_key(email)
    except SeatError:
        return None
    return session.scalars(select(Operator).where(Operator.email_key == key)).first()


def accept_code(session: Session, operator: Operator, code: str, *, at: datetime) -> bool:
    """Accept a TOTP code once (scim_gateway/totp.py)."""
    return accept_once(session, operator, code, at=at)


def open_session(session: Session, operator: Operator, *, at: datetime, lifetime: timedelta) -> str:
    """Start a session and return the cookie's key (only its hash is stored)."""
    key = secrets.token_urlsafe(32)
    session.add(
        OperatorSession(
            id_hash=_hash(key), operator_id=operator.id, created_at=at, expires_at=at + lifetime
        )
    )
    session.flush()
    return key


def find_session(session: Session, key: str, *, at: datetime) -> Operator | None:
    """Return the operator of a live session key, or None."""
    row = session.scalars(
        select(OperatorSession).where(
            OperatorSession.id_hash == _hash(key), OperatorSession.expires_at > at
        )
    ).first()
    return session.get(Operator, row.operator_id) if row is not None else None


def end_session(session: Session, key: str | None) -> None:
    """End a session, if the key names one."""
    if key:
        session.execute(delete(OperatorSession).where(OperatorSession.id_hash == _hash(key)))
