"""An organization's seat policy: licensed groups, exempt groups and dormant-seat reclamation."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime

# Fewer days would reclaim the seats of people on a two-week holiday.
MIN_RECLAIM_DAYS = 14


class SeatPolicy(Base):
    """How an organization's seats are handed out; no row means the defaults (all off)."""

    __tablename__ = "seat_policy"
    __table_args__ = (
        CheckConstraint(
            f"reclaim_after_days IS NULL OR reclaim_after_days >= {MIN_RECLAIM_DAYS}",
            name="reclaim_after_enough_days",
        ),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    # None: seats are never reclaimed.
    reclaim_after_days: Mapped[int | None] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class PolicyGroup(Base):
    """An IdP group named by a policy: its members get seats (licensed) or keep them (exempt).

    Named by displayName, compared by its key, so that the group may be pushed after the
    policy names it, and renamed groups stop (or start) counting.
    """

    __tablename__ = "seat_policy_group"
    __table_args__ = (CheckConstraint("kind IN ('licensed', 'exempt')", name="kind_known"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8), primary_key=True)
    display_name_key: Mapped[str] = mapped_column(String(256), primary_key=True)
    display_name: Mapped[str] = mapped_column(String(256))
