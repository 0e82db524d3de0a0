"""Organizations, their contracts and owners."""

from __future__ import annotations

import re
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from . import events
from .errors import (
    DuplicateOrganization,
    InvalidContract,
    InvalidLanguage,
    OrganizationNotFound,
    SeatError,
)
from .events import Actor
from .identity import email_key
from .models import Contract, ContractTerm, Organization, Owner
from .terms import Term, minor_digits, zone
from .text import refused_character

SLUG = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
ROLES = ("primary_owner", "owner")
# The languages people read the gateway in: an organization's (its pages, mails, invoices
# and errors), or an owner's own choice.
LANGUAGES = ("en", "es")


class InvalidOwner(SeatError):
    """An owner that cannot be added."""


def check_language(language: str) -> str:
    """Return language when the gateway speaks it.

    :raises InvalidLanguage: for anything but one of LANGUAGES.
    """
    if language not in LANGUAGES:
        raise InvalidLanguage(
            f"{language[:40]!r} is not a language the gateway speaks; "
            f"use one of {', '.join(LANGUAGES)}"
        )
    return language


def create_organization(
    session: Session,
    *,
    slug: str,
    name: str,
    seats: int,
    price_per_seat_year_minor: int,
    currency: str,
    start: date,
    at: datetime,
    timezone: str = "UTC",
    auto_renew: bool = True,
    min_seats: int = 1,
    language: str = "en",
) -> Organization:
    """Create an organization with its first contract term.

    :raises InvalidContract: for a bad slug, seat count, price, currency or time zone.
    :raises InvalidLanguage: for a language other than LANGUAGES.
    :raises DuplicateOrganization: when the slug is taken.
    """
    check_language(language)
    if not SLUG.match(slug):
        raise InvalidContract(
            f"{slug!r} is not a valid slug: use lower-case letters, digits and inner hyphens"
        )
    if not name.strip():
        raise InvalidContract("The organization needs a name")
    if min_seats < 1:
        raise InvalidContract(f"The plan minimum must be at least 1 seat, not {min_seats}")
    if seats < min_seats:
        raise InvalidContract(f"{seats} seats is below the plan minimum of {min_seats}")
    if price_per_seat_year_minor < 0:
        raise InvalidContract("The price per seat cannot be negative")
    minor_digits(currency)
    zone(timezone)
    if session.scalar(select(Organization.id).where(Organization.slug == slug)) is not None:
        raise DuplicateOrganization(f"An organization with slug {slug!r} exists already")
    term = Term(start)
    organization = Organization(slug=slug, name=name.strip(), created_at=at, language=language)
    contract = Contract(
        organization=organization,
        origin=start,
        term_index=0,
        term_start=term.start,
        term_end=term.end,
        timezone=timezone,
        currency=currency,
        price_per_seat_year_minor=price_per_seat_year_minor,
        seats_purchased=seats,
        seats_used=0,
        auto_renew=auto_renew,
        min_seats=min_seats,
        status="active",
    )
    session.add_all([organization, contract])
    try:
        session.flush()
    except IntegrityError:
        raise DuplicateOrganization(f"An organization with slug {slug!r} exists already") from None
    session.add(
        ContractTerm(
            contract_id=contract.id,
            term_index=0,
            start=term.start,
            end=term.end,
            seats_purchased_at_start=seats,
            seats_used_at_start=0,
        )
    )
    session.flush()
    return organization


def get_organization(session: Session, slug: str) -> Organization:
    """Return the organization with that slug.

    :raises OrganizationNotFound: when there is none.
    """
    organization = session.scalars(select(Organization).where(Organization.slug == slug)).first()
    if organization is None:
        raise OrganizationNotFound.said("No organization has the slug %(slug)s", slug=repr(slug))
    return organization


def add_owner(
    session: Session,
    organization: Organization,
    *,
    email: str,
    role: str,
    at: datetime,
    password_hash: str | None = None,
) -> Owner:
    """Add a Primary Owner or Owner, or update the role and password of an existing one.

    :raises InvalidOwner: for an unknown role or a bad email.
    """
    if role not in ROLES:
        raise InvalidOwner(f"{role!r} is not a role; use one of {', '.join(ROLES)}")
    try:
        key = email_key(email)
    except SeatError as error:
        raise InvalidOwner(error.message) from None
    owner = session.scalars(
        select(Owner).where(Owner.organization_id == organization.id, Owner.email_key == key)
    ).first()
    if owner is None:
        owner = Owner(
            organization_id=organization.id, email=email, email_key=key, role=role, created_at=at
        )
        session.add(owner)
    owner.role = role
    if password_hash is not None:
        owner.password_hash = password_hash
    session.flush()
    return owner


def find_owner(session: Session, organization: Organization, email: str) -> Owner | None:
    """Return the owner with that email in the organization, if any."""
    try:
        key = email_key(email)
    except SeatError:
        return None
    return session.scalars(
        select(Owner).where(Owner.organization_id == organization.id, Owner.email_key == key)
    ).first()


def owners_of(session: Session, organization_id: int) -> list[Owner]:
    """Return the organization's owners, Primary Owners first."""
    return list(
        session.scalars(
            select(Owner)
            .where(Owner.organization_id == organization_id)
            .order_by(Owner.role.desc(), Owner.email_key)
        )
    )


def set_owner_language(owner: Owner, language: str | None) -> None:
    """Set the owner's own language for the owners' pages; None follows the browser.

    :raises InvalidLanguage: unless language is None or one the gateway speaks.
    """
    owner.language = None if language is None else check_language(language)


def owner_actor(owner: Owner) -> Actor:
    """Return the owner as the actor of the events it causes."""
    return Actor("owner", str(owner.id), owner.email)


def record_owner_sign_in(session: Session, owner: Owner, *, via: str, at: datetime) -> None:
    """Log that the owner signed in to the admin pages."""
    events.record(
        session,
        owner.organization_id,
        "owner.signed_in",
        at=at,
        subject=owner.email,
        actor=owner_actor(owner),
        data={"via": via, "role": owner.role},
    )


def record_owner_sign_in_failure(
    session: Session, organization: Organization, *, email: str, via: str, at: datetime
) -> None:
    """Log a refused sign-in to the admin pages under the email given (never the password)."""
    # Whatever was typed, as text both databases can store (docs/input.md).
    if not email or refused_character(email) is not None:
        email = "(not readable)" if email else "(none)"
    events.record(
        session,
        organization.id,
        "owner.sign_in_failed",
        at=at,
        subject=email,
        actor=Actor("owner", None, email),
        data={"via": via},
    )
