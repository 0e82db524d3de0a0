"""Purchases' idempotency keys: a key buys once, and its replays return the first invoice."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from .errors import IdempotencyKeyInFlight, IdempotencyKeyReused
from .models import IdempotencyKey, Invoice, Organization


def request_hash(seats: int) -> str:
    """Return the fingerprint of a purchase request, to tell a replay from a new request."""
    return hashlib.sha256(json.dumps({"seats": seats}, sort_keys=True).encode()).hexdigest()


def claim_key(
    session: Session, organization: Organization, key: str, fingerprint: str, *, at: datetime
) -> IdempotencyKey | Invoice:
    """Claim a purchase's idempotency key; return the claim, or the invoice it replays.

    :raises IdempotencyKeyReused: when the key was used for a different purchase.
    :raises IdempotencyKeyInFlight: when the key's first purchase has not finished.
    """
    replay = replayed_invoice(session, organization, key, fingerprint)
    if replay is not None:
        return replay
    try:
        # The savepoint lets a concurrent first use of the same key fail here alone;
        # the UNIQUE index then decides who buys, and the loser replays.
        with session.begin_nested():
            key_row = IdempotencyKey(
                organization_id=organization.id, key=key, request_hash=fingerprint, created_at=at
            )
            session.add(key_row)
            session.flush()
    except IntegrityError:
        replay = replayed_invoice(session, organization, key, fingerprint)
        if replay is None:
            raise IdempotencyKeyInFlight.said(
                "A purchase with this idempotency key is still being processed"
            ) from None
        return replay
    return key_row


def find_purchase(session: Session, organization: Organization, *, key: str) -> Invoice | None:
    """Return the invoice a completed purchase with this idempotency key issued, or None."""
    row = session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.organization_id == organization.id, IdempotencyKey.key == key
        )
    ).one_or_none()
    if row is None or row.invoice_id is None:
        return None
    return session.get_one(Invoice, row.invoice_id)


def replayed_invoice(
    session: Session, organization: Organization, key: str, fingerprint: str
) -> Invoice | None:
    """Return the invoice a key's purchase issued, None for a new key.

    :raises IdempotencyKeyReused: when the key was used for a different purchase.
    :raises IdempotencyKeyInFlight: when the key's first purchase has not finished.
    """
    row = session.scalars(
        select(IdempotencyKey).where(
            IdempotencyKey.organization_id == organization.id, IdempotencyKey.key == key
        )
    ).one_or_none()
    if row is None:
        return None
    if row.request_hash != fingerprint:
        raise IdempotencyKeyReused.said(
            "This idempotency key was already used for a different purchase; use a new key"
        )
    if row.invoice_id is None:
        raise IdempotencyKeyInFlight.said(
            "A purchase with this idempotency key is still being processed"
        )
    return session.get_one(Invoice, row.invoice_id)
