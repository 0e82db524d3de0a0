"""The event log: who did what, and when, per organization; appended to, never changed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime

EVENT_TYPES = (
    "member.created",
    "member.updated",
    "member.deactivated",
    "member.deleted",
    "seat.taken",
    "seat.released",
    "seat.refused",
    "seat_request.created",
    "seat_request.admitted",
    "seat_request.dismissed",
    "seats.purchased",
    "contract.renewed",
    "contract.expired",
    "token.issued",
    "token.revoked",
    "owner.signed_in",
    "owner.sign_in_failed",
    "sso.configured",
    "policy.changed",
    "webhook.endpoint_changed",
    "organization.created",
    "organization.changed",
    "owner.invited",
    "owner.removed",
    "owner.password_set",
    "invoice.paid",
    "invoice.due",
)
ACTOR_TYPES = ("scim_token", "api_token", "owner", "member", "system", "operator")


def _one_of(column: str, values: tuple[str, ...]) -> str:
    return f"{column} IN ({', '.join(repr(value) for value in values)})"


class Event(Base):
    """One thing that happened to an organization, with who did it."""

    __tablename__ = "event"
    __table_args__ = (
        # The events API's order: see seat_core/events.py and docs/events.md.
        Index("ix_event_org_xact_id", "organization_id", "xact_id", "id"),
        Index("ix_event_org_occurred", "organization_id", "occurred_at"),
        Index("ix_event_occurred_at", "occurred_at"),
        CheckConstraint(_one_of("type", EVENT_TYPES), name="type_known"),
        CheckConstraint(_one_of("actor_type", ACTOR_TYPES), name="actor_type_known"),
        # Ids are never reused on SQLite, even when the retention prune empties the table.
        {"sqlite_autoincrement": True},
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    type: Mapped[str] = mapped_column(String(40))
    occurred_at: Mapped[datetime] = mapped_column(UtcDateTime)
    actor_type: Mapped[str] = mapped_column(String(16))
    # A token's id, an owner's or member's id; none for the system.
    actor_id: Mapped[str | None] = mapped_column(String(64))
    # A token's label, an owner's or member's email: what a person reads.
    actor_label: Mapped[str | None] = mapped_column(String(320))
    # What the event is about, as a person reads it: a userName, an invoice number, a URL.
    subject: Mapped[str | None] = mapped_column(String(320))
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    # The writing transaction's id on PostgreSQL (pg_current_xact_id), 0 on SQLite.
    xact_id: Mapped[int] = mapped_column(BigInteger)
