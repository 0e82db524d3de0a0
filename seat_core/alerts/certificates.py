"""The alert that an organization's SAML IdP certificate expires soon."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from ..models import SsoConfig
from .outbox import enqueue

CERTIFICATE_NOTICE_DAYS = 30


def certificate_expiring(expires_at: datetime | None, *, at: datetime) -> bool:
    """Tell whether the IdP's last certificate expires within the notice period (or has)."""
    return expires_at is not None and expires_at <= at + timedelta(days=CERTIFICATE_NOTICE_DAYS)


def notify_certificates(session: Session, *, at: datetime) -> int:
    """Announce, once per certificate, each SAML IdP whose certificates all expire soon.

    The date kept is the last certificate's: during a rollover the old one expiring is
    expected, and only when no certificate outlives the notice period must the owners act.
    Return how many alerts were written.
    """
    configs = session.scalars(
        select(SsoConfig)
        .where(
            SsoConfig.protocol == "saml",
            SsoConfig.idp_cert_expires_at <= at + timedelta(days=CERTIFICATE_NOTICE_DAYS),
        )
        .order_by(SsoConfig.organization_id)
    ).all()
    written = 0
    for config in configs:
        expires_at = config.idp_cert_expires_at
        assert expires_at is not None
        outbox_id = enqueue(
            session,
            organization_id=config.organization_id,
            event="sso.certificate_expiring",
            payload={
                "idp_entity_id": config.issuer,
                "expires_at": expires_at.isoformat(),
                "days_left": max(0, (expires_at - at).days),
            },
            at=at,
            dedupe_key=f"saml-certificate:{config.organization_id}:{expires_at.isoformat()}",
        )
        written += outbox_id is not None
    return written
