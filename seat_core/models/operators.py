"""The vendor's side: operator tokens, organizations created once per key, owner invitations."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import Base, UtcDateTime


class OperatorToken(Base):
    """A bearer token of the vendor's operators: it opens /api/v1/operator and nothing else."""

    __tablename__ = "operator_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the token: a random 256-bit secret needs no slow hash.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    prefix: Mapped[str] = mapped_column(String(16))
    label: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # Written at most once a minute per token, so that a busy client costs no write a call.
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OrganizationKey(Base):
    """An Idempotency-Key of an organization's creation: a retry finds the first one."""

    __tablename__ = "organization_key"

    key: Mapped[str] = mapped_column(String(255), primary_key=True)
    # SHA-256 of the canonical request body: the same key with another body is refused.
    request_hash: Mapped[str] = mapped_column(String(64))
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OwnerInvitation(Base):
    """A single-use link that lets an owner set a password: an invitation or a reset."""

    __tablename__ = "owner_invitation"
    __table_args__ = (
        CheckConstraint("purpose IN ('invite', 'reset')", name="purpose_known"),
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        Index("ix_owner_invitation_owner", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # SHA-256 of the link's 256-bit secret: a copy of the table opens nothing.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("owner.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class Operator(Base):
    """A person of the vendor who signs in to the operator console, with a second factor."""

    __tablename__ = "operator"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320), unique=True)
    # Argon2id; None until the invitation link is used.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    # The TOTP secret, encrypted with the gateway's key; None until enrolled.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    # The last TOTP time step accepted: a code is accepted once, and never an older one.
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)


class OperatorLink(Base):
    """A single-use link that lets an operator set a password and enrol a second factor."""

    __tablename__ = "operator_link"
    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        Index("ix_operator_link_operator", "operator_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UtcDateTime)


class OperatorSession(Base):
    """A signed-in operator's browser: the cookie holds a random key, the row its SHA-256."""

    __tablename__ = "operator_session"
    __table_args__ = (
        CheckConstraint("expires_at > created_at", name="expires_after_creation"),
        Index("ix_operator_session_operator", "operator_id"),
    )

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    operator_id: Mapped[int] = mapped_column(ForeignKey("operator.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime)
