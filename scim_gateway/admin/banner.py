"""The banners of every admin page: people waiting, a SAML certificate or SCIM token expiring."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from seat_core import TOKEN_NOTICE_DAYS, SeatError, certificate_expiring, quote_purchase
from seat_core.models import ApiToken, Organization, SeatRequest, SsoConfig

from ..clock import now, today_for


@dataclass(frozen=True)
class Banner:
    """N people waiting, the seats free for them, and what buying the rest costs today."""

    waiting: int
    free: int
    # With the organization's tax, at tax_rate_bp: what the invoice would total.
    amount_minor: int | None
    currency: str
    tax_rate_bp: int = 0

    @property
    def to_buy(self) -> int:
        """Return the seats to add so that everyone waiting can be admitted."""
        return max(0, self.waiting - self.free)

    @property
    def can_admit_all(self) -> bool:
        """Say whether the free seats already cover everyone waiting."""
        return self.to_buy == 0


def pending_count(session: Session, organization_id: int) -> int:
    """Count the organization's pending seat requests."""
    return (
        session.scalar(
            select(func.count())
            .select_from(SeatRequest)
            .where(SeatRequest.organization_id == organization_id, SeatRequest.status == "pending")
        )
        or 0
    )


def pending_banner(session: Session, organization: Organization) -> Banner | None:
    """Return the banner, or None when nobody is waiting."""
    waiting = pending_count(session, organization.id)
    if not waiting:
        return None
    contract = organization.contract
    free = max(0, contract.seats_purchased - contract.seats_used)
    amount: int | None = None
    if waiting > free:
        try:
            # Priced by the purchase's own quote, for the seats the free ones do not cover.
            quote = quote_purchase(
                session,
                organization,
                seats=waiting - free,
                on=today_for(contract),
                max_seats=waiting,
            )
            amount = quote.total_minor  # with the organization's tax, as invoiced
        except SeatError:
            # Outside the term (expired contract): the banner still says who is waiting.
            amount = None
    return Banner(
        waiting=waiting,
        free=free,
        amount_minor=amount,
        currency=contract.currency,
        tax_rate_bp=organization.tax_rate_bp,
    )


@dataclass(frozen=True)
class SamlCertificate:
    """When the organization's SAML IdP's last signing certificate expires."""

    idp_entity_id: str
    expires_at: datetime
    expiring: bool


def saml_certificate(session: Session, organization_id: int) -> SamlCertificate | None:
    """Return the SAML IdP's certificate expiry, or None without SAML sign-in."""
    config = session.get(SsoConfig, organization_id)
    if config is None or config.protocol != "saml" or config.idp_cert_expires_at is None:
        return None
    expires_at = config.idp_cert_expires_at
    return SamlCertificate(config.issuer, expires_at, certificate_expiring(expires_at, at=now()))


@dataclass(frozen=True)
class ExpiringToken:
    """A live SCIM token that expires within the notice period."""

    label: str | None
    prefix: str
    expires_at: datetime


def expiring_tokens(session: Session, organization_id: int) -> list[ExpiringToken]:
    """Return the organization's live SCIM tokens expiring within 30 days, soonest first."""
    at = now()
    rows = session.execute(
        select(ApiToken.label, ApiToken.prefix, ApiToken.expires_at)
        .where(
            ApiToken.organization_id == organization_id,
            ApiToken.kind == "scim",
            ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > at,
            ApiToken.expires_at <= at + timedelta(days=max(TOKEN_NOTICE_DAYS)),
        )
        .order_by(ApiToken.expires_at, ApiToken.id)
    ).all()
    return [ExpiringToken(label, prefix, expires_at) for label, prefix, expires_at in rows]
