"""Owners invited by email: single-use links to set a password, for invitations and resets.

A link's secret is made by the caller and stored here only as its SHA-256; the mail that
carries it goes through the outbox to the owner alone (never to webhooks), with the link
sealed by the caller's key so the outbox holds no usable secret (docs/operators.md).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta

from sqlalchemy import insert, select, update
from sqlalchemy.orm import Session

from . import events
from .errors import SeatError
from .models import AlertDelivery, Organization, Outbox, Owner, OwnerInvitation, new_id
from .orgs import add_owner, find_owner

LINK_DAYS = 7
MAIL_EVENTS = {"invite": "owner.invitation", "reset": "owner.password_reset"}


class LinkRefused(SeatError):
    """A link that opens nothing: unknown, used, expired, or of another organization."""


def new_link_secret() -> str:
    """Return a fresh 256-bit link secret."""
    return secrets.token_urlsafe(32)


def hash_link(secret: str) -> str:
    """Return the stored form of a link secret."""
    return hashlib.sha256(secret.encode()).hexdigest()


def _send_link(
    session: Session,
    owner: Owner,
    *,
    purpose: str,
    secret: str,
    sealed_link: str,
    at: datetime,
) -> OwnerInvitation:
    link = OwnerInvitation(
        token_hash=hash_link(secret),
        organization_id=owner.organization_id,
        owner_id=owner.id,
        purpose=purpose,
        created_at=at,
        expires_at=at + timedelta(days=LINK_DAYS),
    )
    session.add(link)
    session.flush()
    outbox_id = session.scalar(
        insert(Outbox)
        .values(
            organization_id=owner.organization_id,
            event=MAIL_EVENTS[purpose],
            payload={
                "email": owner.email,
                "role": owner.role,
                "sealed_link": sealed_link,
                "expires_at": link.expires_at.isoformat(),
            },
            created_at=at,
            message_id=new_id(),
            state="ready",
        )
        .returning(Outbox.id)
    )
    # One delivery, to the owner: the organization's alert recipients and webhooks never
    # see a link that sets a password.
    session.execute(
        insert(AlertDelivery).values(
            outbox_id=outbox_id,
            organization_id=owner.organization_id,
            channel="email",
            recipient=owner.email,
            endpoint_id=None,
            status="pending",
            attempts=0,
            next_attempt_at=at,
            created_at=at,
        )
    )
    return link


def invite_owner(
    session: Session,
    organization: Organization,
    *,
    email: str,
    role: str,
    secret: str,
    sealed_link: str,
    at: datetime,
) -> Owner:
    """Add an owner without a password (or find them) and mail them a link to set one.

    :raises InvalidOwner: for an unknown role or a bad email.
    """
    owner = find_owner(session, organization, email)
    if owner is None or owner.role != role:
        owner = add_owner(session, organization, email=email, role=role, at=at)
    link = _send_link(
        session, owner, purpose="invite", secret=secret, sealed_link=sealed_link, at=at
    )
    events.record(
        session,
        organization.id,
        "owner.invited",
        at=at,
        subject=owner.email,
        data={"owner_id": owner.id, "role": owner.role, "expires_at": link.expires_at.isoformat()},
    )
    return owner


def send_reset(
    session: Session, owner: Owner, *, secret: str, sealed_link: str, at: datetime
) -> None:
    """Mail an owner a link to set a new password."""
    _send_link(session, owner, purpose="reset", secret=secret, sealed_link=sealed_link, at=at)


def check_link(
    session: Session, organization: Organization, secret: str, *, at: datetime
) -> OwnerInvitation:
    """Return the unused, unexpired link of the organization with that secret.

    :raises LinkRefused: for any other link.
    """
    link = session.scalars(
        select(OwnerInvitation).where(OwnerInvitation.token_hash == hash_link(secret))
    ).first()
    if (
        link is None
        or link.organization_id != organization.id
        or link.used_at is not None
        or link.expires_at <= at
    ):
        raise LinkRefused(
            "This link has been used, has expired, or is not for this organization. "
            "Ask for a new one."
        )
    return link


def use_link(
    session: Session,
    organization: Organization,
    secret: str,
    *,
    password_hash: str,
    at: datetime,
) -> Owner:
    """Spend a link once: set the owner's password and log it.

    :raises LinkRefused: when the link is unknown, used, expired or of another organization.
    """
    # One guarded statement: of two requests spending the same link, one finds a row.
    owner_id = session.scalar(
        update(OwnerInvitation)
        .where(
            OwnerInvitation.token_hash == hash_link(secret),
            OwnerInvitation.organization_id == organization.id,
            OwnerInvitation.used_at.is_(None),
            OwnerInvitation.expires_at > at,
        )
        .values(used_at=at)
        .returning(OwnerInvitation.owner_id)
    )
    owner = session.get(Owner, owner_id) if owner_id is not None else None
    if owner is None:
        raise LinkRefused(
            "This link has been used, has expired, or is not for this organization. "
            "Ask for a new one."
        )
    owner.password_hash = password_hash
    session.flush()
    events.record(
        session,
        organization.id,
        "owner.password_set",
        at=at,
        subject=owner.email,
        actor=events.Actor("owner", str(owner.id), owner.email),
        data={"owner_id": owner.id},
    )
    return owner
