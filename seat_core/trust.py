"""Who a sign-in is about, and which of their claims the organization trusts."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy.orm import Session

from . import events
from .identity import InvalidIdentity, email_domain, email_key
from .models import SsoConfig


@dataclass(frozen=True)
class Identity:
    """A person as the identity provider vouches for them."""

    issuer: str
    subject: str
    email: str | None = None
    # None when the provider does not say (Entra ID, for one, never sends the claim).
    email_verified: bool | None = None
    name: str | None = None


@dataclass(frozen=True)
class Policy:
    """Who may come in: new people (JIT) or not, and from which email domains."""

    jit: bool = True
    # Empty: any domain.
    domains: frozenset[str] = field(default_factory=frozenset)

    @classmethod
    def of(cls, config: SsoConfig | None) -> Policy:
        """Return the policy of an organization's SSO configuration (the default without)."""
        if config is None:
            return cls()
        return cls(jit=config.jit, domains=parse_domains(config.allowed_domains))


def parse_domains(text: str) -> frozenset[str]:
    """Return the domains of a comma-separated list, lower-cased."""
    return frozenset(part.strip().lower() for part in text.split(",") if part.strip())


def trusted_email(identity: Identity, policy: Policy) -> tuple[str | None, tuple[str, str] | None]:
    """Return the email to match and create members by, or the problem that stops it."""
    email = identity.email
    if not email:
        return None, ("no_email", "Your identity provider did not send your email address.")
    try:
        email_key(email)
    except InvalidIdentity:
        return None, ("no_email", f"{email!r} is not an email address.")
    domain = email_domain(email)
    if policy.domains and domain not in policy.domains:
        allowed = ", ".join(sorted(policy.domains))
        return None, ("domain_not_allowed", f"{email} is not in the domains allowed: {allowed}.")
    # An email the provider does not vouch for could be anyone's. Without the claim, an
    # address in one of the organization's own domains is trusted: its provider owns them.
    if identity.email_verified is False or (identity.email_verified is None and not policy.domains):
        return None, ("email_unverified", f"Your identity provider has not verified {email}.")
    return email, None


def verified_email(identity: Identity, policy: Policy) -> str | None:
    """Return the email the provider vouches for, to find an owner by; None if it does not.

    Unlike member matching, the domain list does not restrict it, since the owner list
    names each owner; the address must still be verified (or, without the claim, be in
    one of the organization's domains).
    """
    email = identity.email
    if not email:
        return None
    try:
        email_key(email)
    except InvalidIdentity:
        return None
    if identity.email_verified is True:
        return email
    if identity.email_verified is None and email_domain(email) in policy.domains:
        return email
    return None


def record_sso_configured(
    session: Session, config: SsoConfig, *, at: datetime, secret_changed: bool
) -> None:
    """Log the organization's SSO settings as they are now; the client secret never.

    For SAML the issuer is the IdP's entity id; the metadata itself is not copied.
    """
    data: dict[str, object] = {
        "issuer": config.issuer,
        "client_id": config.client_id,
        "client_secret_changed": secret_changed,
        "jit": config.jit,
        "allowed_domains": config.allowed_domains,
        "product_url": config.product_url,
    }
    if config.protocol == "saml":
        data = {
            "protocol": "saml",
            "issuer": config.issuer,
            "idp_metadata_url": config.saml_metadata_url,
            "idp_certificate_expires_at": (
                config.idp_cert_expires_at.isoformat() if config.idp_cert_expires_at else None
            ),
            "idp_initiated": config.idp_initiated,
            "sign_requests": config.sign_requests,
            "jit": config.jit,
            "allowed_domains": config.allowed_domains,
            "product_url": config.product_url,
        }
    events.record(
        session,
        config.organization_id,
        "sso.configured",
        at=at,
        subject=config.issuer,
        data=data,
    )
