"""The alert outbox, its deliveries and the settings that shape them."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime, new_id


class Outbox(Base):
    """An alert event, written in the transaction of what caused it, delivered later."""

    __tablename__ = "outbox"
    __table_args__ = (
        Index("ix_outbox_org_created", "organization_id", "created_at"),
        Index("ix_outbox_state_org", "state", "organization_id"),
        CheckConstraint("state IN ('ready', 'held', 'digested')", name="state_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    event: Mapped[str] = mapped_column(String(64))
    payload: Mapped[dict[str, Any]] = mapped_column(JSON)
    # Set for events that must happen once (a threshold per term, a renewal notice).
    dedupe_key: Mapped[str | None] = mapped_column(String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The id receivers see (webhook-id, Message-ID): the same on every retry.
    message_id: Mapped[str] = mapped_column(String(40), unique=True, default=new_id)
    # 'held': a refusal waiting in its window's digest; 'digested': sent as part of one.
    state: Mapped[str] = mapped_column(String(10), default="ready")


class ThresholdState(Base):
    """Whether a usage threshold may fire again; disarmed when it fires, once per crossing."""

    __tablename__ = "threshold_state"

    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"), primary_key=True)
    threshold: Mapped[int] = mapped_column(Integer, primary_key=True)
    armed: Mapped[bool] = mapped_column(Boolean, default=True)


# The usage thresholds (percent) of an organization that has set none.
DEFAULT_THRESHOLDS = (80, 90, 100)


class AlertSettings(Base):
    """An organization's alert thresholds and refusal digest window; defaults when absent."""

    __tablename__ = "alert_settings"
    __table_args__ = (
        CheckConstraint("digest_minutes BETWEEN 0 AND 1440", name="digest_minutes_in_range"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    # Percentages, comma-separated and ascending, like "80,90,100".
    thresholds: Mapped[str] = mapped_column(
        String(64), default=",".join(str(t) for t in DEFAULT_THRESHOLDS)
    )
    digest_minutes: Mapped[int] = mapped_column(Integer, default=15)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class AlertRecipient(Base):
    """An extra address that gets the owners' alert emails."""

    __tablename__ = "alert_recipient"
    __table_args__ = (UniqueConstraint("organization_id", "email_key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class WebhookEndpoint(Base):
    """A URL that gets every alert, signed with its own secret (Standard Webhooks)."""

    __tablename__ = "webhook_endpoint"
    __table_args__ = (Index("ix_webhook_endpoint_org", "organization_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    url: Mapped[str] = mapped_column(String(2048))
    # "whsec_<base64>", encrypted with the configured key (Fernet); never stored in clear.
    secret_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    secret_rotated_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # The event log's types it also gets, comma-separated (docs/events.md); none by default.
    event_types: Mapped[str] = mapped_column(Text, default="", server_default="")
    # Where in the log its events were last pushed from (seat_core/events.py's cursor).
    events_cursor: Mapped[str | None] = mapped_column(String(48))


class AlertDelivery(Base):
    """One alert to one email address or webhook endpoint, retried until delivered or dead."""

    __tablename__ = "alert_delivery"
    __table_args__ = (
        Index("ix_alert_delivery_due", "status", "next_attempt_at"),
        Index("ix_alert_delivery_org_created", "organization_id", "created_at"),
        Index("ix_alert_delivery_outbox", "outbox_id"),
        CheckConstraint("channel IN ('email', 'webhook')", name="channel_known"),
        CheckConstraint("status IN ('pending', 'delivered', 'dead')", name="status_known"),
        CheckConstraint("attempts >= 0", name="attempts_not_negative"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    outbox_id: Mapped[int] = mapped_column(ForeignKey("outbox.id"))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    channel: Mapped[str] = mapped_column(String(8))
    # The address for email; the endpoint for a webhook (NULL once the endpoint is deleted).
    recipient: Mapped[str | None] = mapped_column(String(320))
    endpoint_id: Mapped[int | None] = mapped_column(
        ForeignKey("webhook_endpoint.id", ondelete="SET NULL")
    )
    status: Mapped[str] = mapped_column(String(10), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # A worker's claim; once it passes, another worker may send the delivery again.
    lease_until: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # When retrying started over (an owner's retry of a dead delivery); else created_at.
    retried_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class RefusalWindow(Base):
    """The open digest window of an organization's seat refusals."""

    __tablename__ = "refusal_window"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    opened_at: Mapped[datetime] = mapped_column(UtcDateTime)
    closes_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Refusals held for the digest since the window opened.
    held: Mapped[int] = mapped_column(Integer, default=0)
