"""Claiming deliveries so that two workers never send the same one, and recording outcomes."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from seat_core.models import AlertDelivery, Organization, Outbox, WebhookEndpoint

from .options import Options


@dataclass(frozen=True)
class Claim:
    """A delivery a worker holds until lease_until, with what it needs to send it."""

    delivery_id: int
    channel: str
    recipient: str | None
    endpoint_id: int | None
    url: str | None
    secret_encrypted: str | None
    attempts: int
    started_at: datetime
    lease_until: datetime
    event: str
    payload: dict[str, Any]
    message_id: str
    created_at: datetime
    organization_slug: str
    organization_name: str
    # The organization's language: its alerts and webhook summaries are written in it.
    organization_language: str = "en"


def claim(session: Session, *, now: datetime, options: Options) -> list[Claim]:
    """Claim up to a batch of due deliveries; call it in a short transaction of its own.

    On PostgreSQL, FOR UPDATE SKIP LOCKED lets concurrent workers pick disjoint rows
    without waiting on each other. SQLite ignores the clause: there every transaction
    begins IMMEDIATE, so claims are serialized by the database's write lock. On both,
    the claim outlives the transaction as a lease: a worker that dies mid-batch leaves
    rows that become due again when the lease expires, and are sent with the same id.
    """
    lease_until = now + timedelta(seconds=options.lease_seconds)
    due = (
        select(AlertDelivery.id)
        .where(
            AlertDelivery.status == "pending",
            AlertDelivery.next_attempt_at <= now,
            or_(AlertDelivery.lease_until.is_(None), AlertDelivery.lease_until <= now),
        )
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
        .limit(options.batch_size)
        .with_for_update(skip_locked=True)
    )
    ids = session.scalars(
        update(AlertDelivery)
        .where(AlertDelivery.id.in_(due.scalar_subquery()))
        .values(lease_until=lease_until, attempts=AlertDelivery.attempts + 1)
        .returning(AlertDelivery.id)
    ).all()
    if not ids:
        return []
    rows = session.execute(
        select(AlertDelivery, Outbox, Organization, WebhookEndpoint)
        .join(Outbox, Outbox.id == AlertDelivery.outbox_id)
        .join(Organization, Organization.id == AlertDelivery.organization_id)
        .outerjoin(WebhookEndpoint, WebhookEndpoint.id == AlertDelivery.endpoint_id)
        .where(AlertDelivery.id.in_(ids))
        .order_by(AlertDelivery.next_attempt_at, AlertDelivery.id)
    ).all()
    return [
        Claim(
            delivery_id=delivery.id,
            channel=delivery.channel,
            recipient=delivery.recipient,
            endpoint_id=delivery.endpoint_id,
            url=endpoint.url if endpoint is not None else None,
            secret_encrypted=endpoint.secret_encrypted if endpoint is not None else None,
            attempts=delivery.attempts,
            started_at=delivery.retried_at or delivery.created_at,
            lease_until=lease_until,
            event=outbox.event,
            payload=dict(outbox.payload),
            message_id=outbox.message_id,
            created_at=outbox.created_at,
            organization_slug=organization.slug,
            organization_name=organization.name,
            organization_language=organization.language,
        )
        for delivery, outbox, organization, endpoint in rows
    ]


def acknowledge(session: Session, item: Claim, *, now: datetime) -> None:
    """Record that the delivery was accepted by the server or endpoint."""
    session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id == item.delivery_id, AlertDelivery.status == "pending")
        .values(status="delivered", delivered_at=now, lease_until=None, last_error=None)
    )


def retry_delay(attempts: int, options: Options, *, rng: random.Random | None = None) -> float:
    """Return the seconds to wait after a failed attempt: exponential, capped, with jitter.

    "Equal jitter": half the exponential delay is kept, the other half drawn at random,
    so that deliveries failing together (an endpoint down) do not retry in lockstep.
    """
    exponent = min(max(attempts - 1, 0), 32)
    delay = min(options.retry_max_seconds, options.retry_base_seconds * 2**exponent)
    return delay / 2 + (rng or random).uniform(0, delay / 2)


def fail(
    session: Session, item: Claim, *, error: str, now: datetime, options: Options, permanent: bool
) -> str:
    """Record a failed attempt: retry later, or give up (dead) when it is time; return which."""
    next_at = now + timedelta(seconds=retry_delay(item.attempts, options))
    give_up_at = item.started_at + timedelta(seconds=options.give_up_seconds)
    dead = permanent or next_at > give_up_at
    session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.id == item.delivery_id, AlertDelivery.status == "pending")
        .values(
            status="dead" if dead else "pending",
            next_attempt_at=now if dead else next_at,
            lease_until=None,
            last_error=error[:2000],
        )
    )
    return "dead" if dead else "retry"


def release(session: Session, items: list[Claim]) -> None:
    """Give claims back unsent (a worker stopping), due again at once for any worker."""
    for item in items:
        session.execute(
            update(AlertDelivery)
            .where(
                AlertDelivery.id == item.delivery_id,
                AlertDelivery.status == "pending",
                # Only our own claim: once it lapsed, another worker may hold the row.
                AlertDelivery.lease_until == item.lease_until,
            )
            .values(lease_until=None, attempts=AlertDelivery.attempts - 1)
        )
