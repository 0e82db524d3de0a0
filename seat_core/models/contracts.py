"""Organizations, contracts, seats and invoices; CHECK and UNIQUE constraints keep the seats."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship
from sqlalchemy.sql.expression import false

from .base import Base, UtcDateTime


class Organization(Base):
    """A customer: its name, and the billing details its next invoices will carry."""

    __tablename__ = "organization"
    __table_args__ = (
        # Basis points: 10000 is 100 %.
        CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="tax_rate_in_range"),
        CheckConstraint("language IN ('en', 'es')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(63), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # Set by the Primary Owner; an empty name bills the organization's name.
    billing_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    billing_address: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    billing_tax_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    # Set by a Primary Owner: owners signing in with a password also give a TOTP code.
    owner_totp_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )
    # Set by a Primary Owner or an operator: its mails, its invoices, pages outside a session.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")

    contract: Mapped[Contract] = relationship(back_populates="organization", uselist=False)


class Contract(Base):
    """The organization's contract; its row always describes the current term."""

    __tablename__ = "contract"
    __table_args__ = (
        # The seat invariant: never more seats in use than purchased, never fewer than none.
        CheckConstraint("seats_used >= 0 AND seats_used <= seats_purchased", name="seats_in_range"),
        CheckConstraint("price_per_seat_year_minor >= 0", name="price_not_negative"),
        CheckConstraint(
            "renewal_price_per_seat_year_minor >= 0", name="renewal_price_not_negative"
        ),
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
    # The price per seat-year from the next renewal on, when an operator changed it; the
    # current term, and its invoices, keep the price they started with.
    renewal_price_per_seat_year_minor: Mapped[int | None] = mapped_column(BigInteger)

    organization: Mapped[Organization] = relationship(back_populates="contract")

    @property
    def next_price_per_seat_year_minor(self) -> int:
        """Return the price per seat-year the next term renews at."""
        if self.renewal_price_per_seat_year_minor is None:
            return self.price_per_seat_year_minor
        return self.renewal_price_per_seat_year_minor


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


class Seat(Base):
    """A seat held by a member; a member holds at most one, and only while active."""

    __tablename__ = "seat"
    __table_args__ = (UniqueConstraint("contract_id", "member_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    contract_id: Mapped[int] = mapped_column(ForeignKey("contract.id"))
    member_id: Mapped[str] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"), unique=True)
    taken_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The reclamation day the owners were warned of; a sign-in moves the day, and a new
    # day gets its own warning.
    reclaim_warned_for: Mapped[date | None] = mapped_column(Date)


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
    """An issued invoice: amounts, dates and both parties as they were on the day it was issued."""

    __tablename__ = "invoice"
    __table_args__ = (
        Index("ix_invoice_org_issued", "organization_id", "issued_on"),
        CheckConstraint("kind IN ('purchase', 'renewal')", name="kind_known"),
        CheckConstraint("total_minor >= 0", name="total_not_negative"),
        CheckConstraint("tax_minor >= 0", name="tax_not_negative"),
        CheckConstraint("total_minor = subtotal_minor + tax_minor", name="total_adds_up"),
        CheckConstraint("tax_rate_bp BETWEEN 0 AND 10000", name="tax_rate_in_range"),
        CheckConstraint("due_on >= issued_on", name="due_after_issue"),
        CheckConstraint("language IN ('en', 'es')", name="language_known"),
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
    subtotal_minor: Mapped[int] = mapped_column(BigInteger)
    tax_rate_bp: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    tax_minor: Mapped[int] = mapped_column(BigInteger, default=0, server_default="0")
    due_on: Mapped[date] = mapped_column(Date)
    paid_on: Mapped[date | None] = mapped_column(Date)
    # Both parties are copied when the invoice is issued: later settings never change it.
    # The organization's language on the day of issue: the invoice is always shown in it.
    language: Mapped[str] = mapped_column(String(8), default="en", server_default="en")
    seller_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    seller_address: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    seller_tax_id: Mapped[str] = mapped_column(String(64), default="", server_default="")
    customer_name: Mapped[str] = mapped_column(String(200), default="", server_default="")
    customer_address: Mapped[str] = mapped_column(String(1000), default="", server_default="")
    customer_tax_id: Mapped[str] = mapped_column(String(64), default="", server_default="")

    @property
    def status(self) -> str:
        """Return "paid" once a payment is recorded, else "due"."""
        return "due" if self.paid_on is None else "paid"

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
    # Days in the anniversary month the period starts in, to show its share as days.
    month_days: Mapped[int | None] = mapped_column(Integer)

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
