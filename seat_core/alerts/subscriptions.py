"""Webhook subscriptions: an endpoint gets the event log's events of the types it chose.

The worker pushes them (push_events): it reads each subscribed endpoint's events after the
cursor stored on it, through the same cursor that serves the events API, so that none is
skipped or sent twice, and queues each as an outbox message of its own. From there on they
go like alerts: Standard Webhooks signing, retries with backoff, and one message id per
event, the same on every retry (docs/events.md, "Webhooks").
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.orm import Session

from .. import events
from ..db import upsert
from ..fastpath.statements import PG_XACT_ID
from ..models import EVENT_TYPES, Event, Organization, Outbox, WebhookEndpoint
from .outbox import fan_out
from .settings import InvalidAlertSettings, endpoint_changed, get_webhook_endpoint

# Outbox messages of the event log are named "event.<type>", apart from the alerts.
OUTBOX_PREFIX = "event."
# Events one pass pushes to one endpoint at most; the next pass goes on from there.
PUSH_BATCH = 200


def event_types_of(endpoint: WebhookEndpoint) -> list[str]:
    """Return the event types the endpoint subscribes to."""
    return [each for each in endpoint.event_types.split(",") if each]


def subscribe(
    session: Session,
    organization: Organization,
    endpoint_id: int,
    types: Iterable[str],
    *,
    at: datetime,
) -> WebhookEndpoint:
    """Set the event types an endpoint gets; a new subscription starts with what comes next.

    :raises InvalidAlertSettings: for a type the event log does not know.
    :raises AlertNotFound: when the organization has no such endpoint.
    """
    chosen = sorted(set(types))
    unknown = [each for each in chosen if each not in EVENT_TYPES]
    if unknown:
        raise InvalidAlertSettings(f"Unknown event type: {', '.join(unknown)[:200]}")
    endpoint = get_webhook_endpoint(session, organization, endpoint_id)
    if chosen and not endpoint.event_types:
        endpoint.events_cursor = _head(session).text()
    endpoint.event_types = ",".join(chosen)
    session.flush()
    endpoint_changed(session, endpoint, "subscribed", at=at)
    return endpoint


def _head(session: Session) -> events.Cursor:
    """Return a cursor just before whatever is written from this transaction on.

    On SQLite this transaction holds the write lock: every later event has a greater id.
    On PostgreSQL every transaction that has not yet written gets a later transaction id.
    """
    if session.get_bind().dialect.name == "postgresql":
        xact = session.scalar(select(PG_XACT_ID))
        assert xact is not None
        return events.Cursor(xact - 1, 2**62)
    last = session.scalar(select(func.max(Event.id)))
    return events.Cursor(0, last or 0)


def push_events(session: Session, *, at: datetime) -> int:
    """Queue the events each subscribed endpoint has not been sent yet; return how many."""
    queued = 0
    subscribed = session.scalars(
        select(WebhookEndpoint)
        .where(WebhookEndpoint.event_types != "")
        .order_by(WebhookEndpoint.id)
    ).all()
    for endpoint in subscribed:
        start = endpoint.events_cursor
        after = events.parse_cursor(start) if start else events.START
        page = events.read_after(
            session,
            endpoint.organization_id,
            after=after,
            limit=PUSH_BATCH,
            types=event_types_of(endpoint),
        )
        if not page.events:
            continue
        # Claim the page: of two workers pushing at once, the one whose cursor moved on
        # queues it; the other finds the cursor changed and leaves it.
        claimed = session.execute(
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint.id, _cursor_is(start))
            .values(events_cursor=page.next_cursor.text())
            .returning(WebhookEndpoint.id)
        ).first()
        if claimed is None:
            continue
        for event in page.events:
            _queue(session, event, endpoint.id, at=at)
        queued += len(page.events)
    return queued


def _cursor_is(value: str | None) -> ColumnElement[bool]:
    column = WebhookEndpoint.events_cursor
    return column.is_(None) if value is None else column == value


def _queue(session: Session, event: Event, endpoint_id: int, *, at: datetime) -> None:
    """Queue one event to one endpoint, as one outbox message per event."""
    key = f"event:{event.id}"
    outbox_id = session.scalar(
        upsert(session, Outbox)
        .values(
            organization_id=event.organization_id,
            event=OUTBOX_PREFIX + event.type,
            payload=events.as_dict(event),
            dedupe_key=key,
            created_at=event.occurred_at,
            message_id=f"event-{event.id}",
            state="ready",
        )
        .on_conflict_do_nothing(index_elements=[Outbox.dedupe_key])
        .returning(Outbox.id)
    )
    if outbox_id is None:
        outbox_id = session.scalar(select(Outbox.id).where(Outbox.dedupe_key == key))
    assert outbox_id is not None
    fan_out(
        session,
        outbox_id=outbox_id,
        organization_id=event.organization_id,
        at=at,
        endpoint_ids=[endpoint_id],
        email=False,
    )
