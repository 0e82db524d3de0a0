"""Links that let owners set a password: minted here, sealed for the outbox, sent by mail."""

from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy.orm import Session

from seat_core.invitations import invite_owner, new_link_secret, send_reset
from seat_core.models import Organization, Owner

from ..crypto import encrypt


def _sealed_link(slug: str, secret: str) -> str:
    # Built from PUBLIC_URL rather than the request, so that the command line can invite too;
    # the page is admin.set_password (scim_gateway/admin/invitations.py).
    base = current_app.config["PUBLIC_URL"].rstrip("/")
    return encrypt(f"{base}/admin/{slug}/password?token={secret}")


def invite(
    session: Session, organization: Organization, *, email: str, role: str, at: datetime
) -> Owner:
    """Invite an owner by email: a single-use link, valid 7 days, to set a password."""
    secret = new_link_secret()
    return invite_owner(
        session,
        organization,
        email=email,
        role=role,
        secret=secret,
        sealed_link=_sealed_link(organization.slug, secret),
        at=at,
    )


def reset(session: Session, organization: Organization, owner: Owner, *, at: datetime) -> None:
    """Mail an owner a single-use link, valid 7 days, to set a new password."""
    secret = new_link_secret()
    send_reset(
        session, owner, secret=secret, sealed_link=_sealed_link(organization.slug, secret), at=at
    )
