"""SQLAlchemy models; the seat invariants live here as CHECK and UNIQUE constraints."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship
from sqlalchemy.types import TypeDecorator

# Stable constraint names, so that Alembic migrations and both databases agree.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class UtcDateTime(TypeDecorator[datetime]):
    """An aware UTC timestamp on every database (SQLite alone would hand back naive ones)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("timestamps must be timezone-aware")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def new_id() -> str:
    """Return a new random resource id."""
    return str(uuid.uuid4())


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class Organization(Base):
    __tablename__ = "organization"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    contract: Mapped[Contract] = relationship(back_populates="organization", uselist=False)


class Contract(Base):
    """The organization's contract; its row always describes the current term."""

    __tablename__ = "contract"
    __table_args__ = (
        # The seat invariant: never more seats in use than purchased, never fewer than none.
        CheckConstraint("seats_used >= 0 AND seats_used <= seats_purchased", name="seats_in_range"),
        CheckConstraint("price_per_seat_year_minor >= 0", name="price_not_negative"),
        CheckConstraint("min_seats >= 1", name="min_seats_positive"),
        CheckConstraint("term_start < term_end", name="term_not_empty"),
        CheckConstraint("term_index >= 0", name="term_index_not_negative"),
        CheckConstraint("status IN ('active', 'expired')", name="status_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), unique=True)
    origin: Mapped[date] = mapped_column(Date)
    term_index: Mapped[int] = mapped_column(Integer, default=0)
    term_start: Mapped[date] = mapped_column(Date)
    term_end: Mapped[date] = mapped_column(Date)
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    currency: Mapped[str] = mapped_column(String(3))
    price_per_seat_year_minor: Mapped[int] = mapped_column(BigInteger)
    seats_purchased: Mapped[int] = mapped_column(Integer)
    seats_used: Mapped[int] = mapped_column(Integer, default=0)
    auto_renew: Mapped[bool] = mapped_column(Boolean, default=True)
    min_seats: Mapped[int] = mapped_column(Integer, default=1)
    status: Mapped[str] = mapped_column(String(16), default="active")

    organization: Mapped[Organization] = relationship(back_populates="contract")


class ContractTerm(Base):
    """One row per term a contract has had; the UNIQUE index makes each renewal happen once."""

    __tablename__ = "contract_term"
    __table_args__ = (UniqueConstraint("contract_id", "term_index"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    term_index: Mapped[int] = mapped_column(Integer)
    start: Mapped[date] = mapped_column(Date)
    end: Mapped[date] = mapped_column(Date)
    seats_purchased_at_start: Mapped[int] = mapped_column(Integer)
    seats_used_at_start: Mapped[int] = mapped_column(Integer)


class Member(Base):
    """A person of an organization, provisioned by SCIM, SSO or an owner."""

    __tablename__ = "member"
    __table_args__ = (
        UniqueConstraint("organization_id", "user_name_key"),
        UniqueConstraint("organization_id", "sso_issuer", "sso_subject"),
        # Ends with the list order, so that SQLite filters and orders by externalId with one
        # index rather than walking ix_member_org_created to skip a sort.
        Index("ix_member_org_external_id", "organization_id", "external_id", "created_at", "id"),
        Index("ix_member_org_email", "organization_id", "email_key"),
        Index("ix_member_org_created", "organization_id", "created_at", "id"),
        CheckConstraint("source IN ('scim', 'sso', 'admin')", name="source_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    user_name: Mapped[str] = mapped_column(String(256))
    # userName normalized for case-insensitive uniqueness (NFKC + casefold).
    user_name_key: Mapped[str] = mapped_column(String(256))
    external_id: Mapped[str | None] = mapped_column(String(256))
    display_name: Mapped[str | None] = mapped_column(String(256))
    email: Mapped[str | None] = mapped_column(String(320))
    email_key: Mapped[str | None] = mapped_column(String(320))
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    source: Mapped[str] = mapped_column(String(8), default="scim")
    # The SCIM representation as last written by the identity provider.
    scim: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    sso_issuer: Mapped[str | None] = mapped_column(String(512))
    sso_subject: Mapped[str | None] = mapped_column(String(256))
    last_sign_in_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Seat(Base):
    """A seat held by a member; a member holds at most one, and only while active."""

    __tablename__ = "seat"
    __table_args__ = (UniqueConstraint("contract_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), unique=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SeatEvent(Base):
    """A change of seats in use or purchased, kept for the usage history."""

    __tablename__ = "seat_event"
    __table_args__ = (
        Index("ix_seat_event_contract_at", "contract_id", "at"),
        CheckConstraint(
            "kind IN ('take', 'release', 'purchase', 'renew', 'expire')", name="kind_known"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    member_id: Mapped[str | None] = mapped_column(String(36))
    kind: Mapped[str] = mapped_column(String(16))
    seats_used: Mapped[int] = mapped_column(Integer)
    seats_purchased: Mapped[int] = mapped_column(Integer)
    term_index: Mapped[int] = mapped_column(Integer)
    on: Mapped[date] = mapped_column(Date)
    at: Mapped[datetime] = mapped_column(UtcDateTime)


class SeatRequest(Base):
    """A person refused for want of a seat, remembered once per identity."""

    __tablename__ = "seat_request"
    __table_args__ = (
        UniqueConstraint("organization_id", "identity_key"),
        Index("ix_seat_request_org_status_last", "organization_id", "status", "last_seen_at"),
        CheckConstraint("channel IN ('scim', 'sso', 'admin')", name="channel_known"),
        CheckConstraint("status IN ('pending', 'admitted', 'dismissed')", name="status_known"),
        CheckConstraint("attempts >= 1", name="attempts_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    channel: Mapped[str] = mapped_column(String(8))
    identity: Mapped[str] = mapped_column(String(320))
    identity_key: Mapped[str] = mapped_column(String(320))
    display_name: Mapped[str | None] = mapped_column(String(256))
    email: Mapped[str | None] = mapped_column(String(320))
    member_id: Mapped[str | None] = mapped_column(String(36))
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=1)
    first_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Invoice(Base):
    __tablename__ = "invoice"
    __table_args__ = (
        Index("ix_invoice_org_issued", "organization_id", "issued_on"),
        CheckConstraint("kind IN ('purchase', 'renewal')", name="kind_known"),
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        # A renewal is invoiced once per term.
        Index(
            "uq_invoice_renewal_term",
            "contract_id",
            "term_index",
            unique=True,
            sqlite_where=text("kind = 'renewal'"),
            postgresql_where=text("kind = 'renewal'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str | None] = mapped_column(String(32), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    kind: Mapped[str] = mapped_column(String(10))
    term_index: Mapped[int] = mapped_column(Integer)
    issued_on: Mapped[date] = mapped_column(Date)
    currency: Mapped[str] = mapped_column(String(3))
    total_minor: Mapped[int] = mapped_column(BigInteger)
    seats_purchased_after: Mapped[int] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)

    lines: Mapped[list[InvoiceLine]] = relationship(
        back_populates="invoice", order_by="InvoiceLine.id"
    )


class InvoiceLine(Base):
    __tablename__ = "invoice_line"
    __table_args__ = (CheckConstraint("seats >= 1", name="seats_positive"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    invoice_id: Mapped[int] = mapped_column(ForeignKey("invoice.id"))
    description: Mapped[str] = mapped_column(String(200))
    seats: Mapped[int] = mapped_column(Integer)
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    # Exact fraction as "numerator/denominator", so the invoice shows what was billed.
    remaining_months: Mapped[str] = mapped_column(String(32))
    unit_price_minor: Mapped[int] = mapped_column(BigInteger)
    amount_minor: Mapped[int] = mapped_column(BigInteger)

    invoice: Mapped[Invoice] = relationship(back_populates="lines")


class IdempotencyKey(Base):
    """A purchase's idempotency key; the UNIQUE index makes a double submit buy once."""

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("organization_id", "key"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    key: Mapped[str] = mapped_column(String(255))
    request_hash: Mapped[str] = mapped_column(String(64))
    invoice_id: Mapped[int | None] = mapped_column(ForeignKey("invoice.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class Owner(Base):
    """A Primary Owner or Owner of an organization."""

    __tablename__ = "owner"
    __table_args__ = (
        UniqueConstraint("organization_id", "email_key"),
        CheckConstraint("role IN ('primary_owner', 'owner')", name="role_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    # None for an owner who signs in through SSO only.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class ApiToken(Base):
    """A bearer token: SCIM for an identity provider, or API for an owner or the organization."""

    __tablename__ = "api_token"
    __table_args__ = (
        Index("ix_api_token_org_kind", "organization_id", "kind"),
        CheckConstraint("kind IN ('scim', 'api')", name="kind_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(8))
    # SHA-256 of the token: a random 256-bit secret needs no slow hash.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class ScimGroup(Base):
    __tablename__ = "scim_group"
    __table_args__ = (
        UniqueConstraint("organization_id", "display_name_key"),
        Index("ix_scim_group_org_external_id", "organization_id", "external_id"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    display_name: Mapped[str] = mapped_column(String(256))
    display_name_key: Mapped[str] = mapped_column(String(256))
    external_id: Mapped[str | None] = mapped_column(String(256))
    scim: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    version: Mapped[int] = mapped_column(Integer, default=1)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class GroupMembership(Base):
    __tablename__ = "group_membership"
    __table_args__ = (Index("ix_group_membership_member", "member_id"),)

    group_id: Mapped[str] = mapped_column(
        ForeignKey("scim_group.id", ondelete="CASCADE"), primary_key=True
    )
    member_id: Mapped[str] = mapped_column(
        ForeignKey("member.id", ondelete="CASCADE"), primary_key=True
    )


class SsoConfig(Base):
    """An organization's OpenID Connect identity provider."""

    __tablename__ = "sso_config"

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    issuer: Mapped[str] = mapped_column(String(512))
    client_id: Mapped[str] = mapped_column(String(256))
    # Encrypted with the configured key (Fernet); never stored in clear.
    client_secret_encrypted: Mapped[str] = mapped_column(Text)
    allowed_domains: Mapped[str] = mapped_column(Text, default="")
    jit: Mapped[bool] = mapped_column(Boolean, default=True)
    product_url: Mapped[str] = mapped_column(String(1024))
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


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


class AlertSettings(Base):
    """An organization's alert thresholds and refusal digest window; defaults when absent."""

    __tablename__ = "alert_settings"
    __table_args__ = (
        CheckConstraint("digest_minutes BETWEEN 0 AND 1440", name="digest_minutes_in_range"),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    # Percentages, comma-separated and ascending, like "80,90,100".
    thresholds: Mapped[str] = mapped_column(String(64), default="80,90,100")
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
