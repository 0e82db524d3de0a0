"""The outbox: alert messages written in the caller's transaction, fanned out to deliveries."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Row, insert, select, update
from sqlalchemy.orm import Session

from ..db import upsert
from ..models import AlertDelivery, Organization, Outbox, WebhookEndpoint, new_id
from .settings import AlertNotFound, email_recipients, get_webhook_endpoint

RECENT_DELIVERIES = 100


def enqueue(
    session: Session,
    *,
    organization_id: int,
    event: str,
    payload: dict[str, Any],
    at: datetime,
    dedupe_key: str | None = None,
    state: str = "ready",
) -> int | None:
    """Write an alert to the outbox, with a delivery to every recipient and endpoint.

    Return the message's row id, or None when dedupe_key says it was written before.
    A 'held' message waits for its digest and gets no deliveries of its own.
    """
    statement = upsert(session, Outbox).values(
        organization_id=organization_id,
        event=event,
        payload=payload,
        dedupe_key=dedupe_key,
        created_at=at,
        message_id=new_id(),
        state=state,
    )
    if dedupe_key is not None:
        statement = statement.on_conflict_do_nothing(index_elements=[Outbox.dedupe_key])
    outbox_id: int | None = session.scalar(statement.returning(Outbox.id))
    if outbox_id is not None and state == "ready":
        fan_out(session, outbox_id=outbox_id, organization_id=organization_id, at=at)
    return outbox_id


def fan_out(
    session: Session,
    *,
    outbox_id: int,
    organization_id: int,
    at: datetime,
    endpoint_ids: Sequence[int] | None = None,
    email: bool = True,
) -> None:
    """Create the deliveries of a message: one per email address and per webhook endpoint."""
    rows: list[dict[str, Any]] = []
    common = {
        "outbox_id": outbox_id,
        "organization_id": organization_id,
        "status": "pending",
        "attempts": 0,
        "next_attempt_at": at,
        "created_at": at,
    }
    if email:
        for address in email_recipients(session, organization_id):
            rows.append({**common, "channel": "email", "recipient": address, "endpoint_id": None})
    endpoints = select(WebhookEndpoint.id, WebhookEndpoint.url).where(
        WebhookEndpoint.organization_id == organization_id
    )
    if endpoint_ids is not None:
        endpoints = endpoints.where(WebhookEndpoint.id.in_(endpoint_ids))
    for endpoint_id, url in session.execute(endpoints.order_by(WebhookEndpoint.id)):
        rows.append(
            {**common, "channel": "webhook", "recipient": url[:320], "endpoint_id": endpoint_id}
        )
    if rows:
        session.execute(insert(AlertDelivery), rows)


def send_test_webhook(
    session: Session, organization: Organization, endpoint_id: int, *, at: datetime
) -> int:
    """Queue a test message to one endpoint; return its outbox id.

    :raises AlertNotFound: when the organization has no such endpoint.
    """
    endpoint = get_webhook_endpoint(session, organization, endpoint_id)
    outbox_id: int | None = session.scalar(
        insert(Outbox)
        .values(
            organization_id=organization.id,
            event="webhook.test",
            payload={"endpoint_url": endpoint.url},
            created_at=at,
            message_id=new_id(),
            state="ready",
        )
        .returning(Outbox.id)
    )
    assert outbox_id is not None
    fan_out(
        session,
        outbox_id=outbox_id,
        organization_id=organization.id,
        at=at,
        endpoint_ids=[endpoint.id],
        email=False,
    )
    return outbox_id


def recent_deliveries(
    session: Session, organization_id: int, *, limit: int = RECENT_DELIVERIES
) -> Sequence[Row[AlertDelivery, Outbox]]:
    """Return the organization's latest deliveries with their messages, newest first."""
    return session.execute(
        select(AlertDelivery, Outbox)
        .join(Outbox, Outbox.id == AlertDelivery.outbox_id)
        .where(AlertDelivery.organization_id == organization_id)
        .order_by(AlertDelivery.created_at.desc(), AlertDelivery.id.desc())
        .limit(limit)
    ).all()


def retry_delivery(
    session: Session, organization: Organization, delivery_id: int, *, at: datetime
) -> None:
    """Send a dead delivery again, now, with a fresh retry period and the same message id.

    :raises AlertNotFound: when the organization has no dead delivery with that id.
    """
    retried = session.execute(
        update(AlertDelivery)
        .where(
            AlertDelivery.id == delivery_id,
            AlertDelivery.organization_id == organization.id,
            AlertDelivery.status == "dead",
            # A deleted endpoint has nowhere to send to.
            (AlertDelivery.channel == "email") | AlertDelivery.endpoint_id.is_not(None),
        )
        .values(status="pending", next_attempt_at=at, retried_at=at, lease_until=None)
        .returning(AlertDelivery.id)
    ).first()
    if retried is None:
        raise AlertNotFound("No failed delivery to retry: it may have been retried already")
