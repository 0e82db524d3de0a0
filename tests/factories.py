"""Factories for test data, through the seat core's own functions (CTFd's gen_* style)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy.orm import Session

from seat_core import add_owner, create_organization, identity_key, take_seat
from seat_core.models import Member, Organization

AT = datetime(2025, 3, 1, 12, tzinfo=UTC)


def gen_organization(
    session: Session,
    *,
    slug: str = "acme",
    name: str = "Acme",
    seats: int = 10,
    price_minor: int = 36000,
    currency: str = "USD",
    start: date = date(2025, 1, 1),
    **options: Any,
) -> Organization:
    """Create an organization whose contract runs from start for a year."""
    return create_organization(
        session,
        slug=slug,
        name=name,
        seats=seats,
        price_per_seat_year_minor=price_minor,
        currency=currency,
        start=start,
        at=options.pop("at", AT),
        **options,
    )


def gen_member(
    session: Session,
    organization: Organization,
    user_name: str,
    *,
    active: bool = True,
    source: str = "scim",
    email: str | None = None,
    at: datetime = AT,
    on: date | None = None,
) -> Member:
    """Create a member; an active one takes a seat (and may raise NoSeatAvailable)."""
    member = Member(
        organization_id=organization.id,
        user_name=user_name,
        user_name_key=identity_key(user_name),
        email=email,
        email_key=identity_key(email, what="email") if email else None,
        active=False,
        source=source,
        scim={},
        created_at=at,
        updated_at=at,
    )
    session.add(member)
    session.flush()
    if active:
        take_seat(session, member, at=at, on=on or at.date())
    return member


def gen_owner(
    session: Session,
    organization: Organization,
    email: str = "ann@acme.test",
    *,
    role: str = "primary_owner",
    password_hash: str | None = None,
) -> Any:
    """Add an owner to the organization."""
    return add_owner(
        session, organization, email=email, role=role, at=AT, password_hash=password_hash
    )
