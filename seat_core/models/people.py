"""Members, owners, tokens, groups and single sign-on settings."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, validates
from sqlalchemy.sql.expression import false

from ..identity import natural_key
from .base import Base, UtcDateTime, new_id


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
        # The members page's order and key paging: by name, numbers by value.
        Index("ix_member_org_name_sort", "organization_id", "name_sort_key", "user_name_key"),
        CheckConstraint("source IN ('scim', 'sso', 'admin')", name="source_known"),
    )

    id: Mapped[str] = mapped_column(String(36), primary_key=True, default=new_id)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    user_name: Mapped[str] = mapped_column(String(256))
    # userName normalized for case-insensitive uniqueness (NFKC + casefold).
    user_name_key: Mapped[str] = mapped_column(String(256))
    # user_name_key with its numbers spelled to sort by value (identity.natural_key), kept
    # in step by the validator below: "user3" before "user10" on the members page.
    name_sort_key: Mapped[str] = mapped_column(String(1024))
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

    @validates("user_name_key")
    def _keep_name_sort_key(self, _: str, key: str) -> str:
        self.name_sort_key = natural_key(key)
        return key


class Owner(Base):
    """A Primary Owner or Owner of an organization."""

    __tablename__ = "owner"
    __table_args__ = (
        UniqueConstraint("organization_id", "email_key"),
        CheckConstraint("role IN ('primary_owner', 'owner')", name="role_known"),
        CheckConstraint("language IS NULL OR language IN ('en', 'es')", name="language_known"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"))
    email: Mapped[str] = mapped_column(String(320))
    email_key: Mapped[str] = mapped_column(String(320))
    role: Mapped[str] = mapped_column(String(16))
    # None for an owner who signs in through SSO only.
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime)
    # The TOTP secret (encrypted) once enrolled, and the last time step accepted, so that
    # each code works once; asked for when the organization requires a second factor.
    totp_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger)
    # The owner's own choice of language; None follows the browser, then the organization.
    language: Mapped[str | None] = mapped_column(String(8))


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
    """An organization's single sign-on: an OpenID Connect provider or a SAML 2.0 IdP."""

    __tablename__ = "sso_config"
    __table_args__ = (
        CheckConstraint("protocol IN ('oidc', 'saml')", name="protocol_known"),
        # Each protocol has what it needs: a client for OIDC, the IdP's metadata for SAML.
        CheckConstraint(
            "(protocol = 'oidc' AND client_id IS NOT NULL AND client_secret_encrypted IS NOT NULL)"
            " OR (protocol = 'saml' AND saml_metadata IS NOT NULL)",
            name="protocol_complete",
        ),
        # Signing SAML requests needs the SP's key pair.
        CheckConstraint(
            "NOT sign_requests OR (sp_key_encrypted IS NOT NULL AND sp_certificate IS NOT NULL)",
            name="signing_has_key",
        ),
    )

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    protocol: Mapped[str] = mapped_column(String(8), default="oidc", server_default="oidc")
    # The OIDC issuer, or the SAML IdP's entity id: members are matched by (issuer, subject).
    issuer: Mapped[str] = mapped_column(String(512))
    client_id: Mapped[str | None] = mapped_column(String(256))
    # Encrypted with the configured key (Fernet); never stored in clear.
    client_secret_encrypted: Mapped[str | None] = mapped_column(Text)
    allowed_domains: Mapped[str] = mapped_column(Text, default="")
    jit: Mapped[bool] = mapped_column(Boolean, default=True)
    product_url: Mapped[str] = mapped_column(String(1024))
    # SAML: the IdP's metadata XML as stored, where it came from, and whether sign-ins
    # started at the IdP (no AuthnRequest of this browser) are accepted.
    saml_metadata: Mapped[str | None] = mapped_column(Text)
    saml_metadata_url: Mapped[str | None] = mapped_column(String(1024))
    idp_initiated: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # When the last of the IdP's signing certificates expires.
    idp_cert_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime)
    # SAML: whether AuthnRequests and LogoutRequests are signed, with the SP's own RSA key
    # (PEM, encrypted like the client secret) and its self-signed certificate (PEM).
    sign_requests: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    sp_key_encrypted: Mapped[str | None] = mapped_column(Text)
    sp_certificate: Mapped[str | None] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime)


class SamlAssertion(Base):
    """An assertion id accepted once: a replay of it is refused until it expires."""

    __tablename__ = "saml_assertion"
    __table_args__ = (Index("ix_saml_assertion_expires", "not_on_or_after"),)

    organization_id: Mapped[int] = mapped_column(ForeignKey("organization.id"), primary_key=True)
    assertion_id: Mapped[str] = mapped_column(String(256), primary_key=True)
    not_on_or_after: Mapped[datetime] = mapped_column(UtcDateTime)
    accepted_at: Mapped[datetime] = mapped_column(UtcDateTime)
