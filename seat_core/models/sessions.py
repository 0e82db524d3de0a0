"""Web sessions of members and owners, and sign-in flows in progress, kept server-side."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime


class WebSession(Base):
    """A signed-in browser: the cookie holds a random key, the row only its SHA-256."""

    __tablename__ = "web_session"
    __table_args__ = (
        # A session belongs to exactly one person of the kind it says.
        CheckConstraint(
            "(kind = 'member' AND member_id IS NOT NULL AND owner_id IS NULL)"
            " OR (kind = 'owner' AND owner_id IS NOT NULL AND member_id IS NULL)",
            name="one_holder",
        ),
        CheckConstraint("via IN ('password', 'sso')", name="via_known"),
        CheckConstraint("kind = 'owner' OR via = 'sso'", name="members_via_sso"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        Index("ix_web_session_member", "member_id"),
        Index("ix_web_session_owner", "owner_id"),
        Index("ix_web_session_expires", "expires_at"),
    )

    # SHA-256 of the cookie's 256-bit key: a copy of the table opens no session.
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    # Deleting the person deletes their sessions, whatever deleted them.
    member_id: Mapped[str | None] = mapped_column(ForeignKey("member.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"))
    via: Mapped[str] = mapped_column(String(8))
    # The raw ID token, kept only as the end-session request's id_token_hint.
    id_token: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    last_seen_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SignInFlow(Base):
    """An SSO sign-in between the redirect to the provider and its callback; used once."""

    __tablename__ = "sign_in_flow"
    __table_args__ = (
        CheckConstraint("next IN ('member', 'admin')", name="next_known"),
        Index("ix_sign_in_flow_expires", "expires_at"),
    )

    # SHA-256 of the OAuth state; the browser's cookie lists the states it started.
    state_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    code_verifier: Mapped[str] = mapped_column(String(128))
    nonce: Mapped[str] = mapped_column(String(128))
    # Where the sign-in leads: the member's product, or the owners' admin pages.
    next: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
