"""Factories for test data, through the seat core's own functions (CTFd's gen_* style)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from scim_gateway.crypto import encrypt
from seat_core import add_owner, create_organization, identity_key, take_seat, web_sessions
from seat_core.models import Member, Organization, ScimGroup, Seat, SsoConfig

AT = datetime(2025, 3, 1, 12, tzinfo=UTC)
# Nothing listens on port 9: SSO pointed here fails at the provider, never at the app.
UNREACHABLE_ISSUER = "http://127.0.0.1:9"


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


def gen_web_session(
    session: Session,
    *,
    kind: str,
    organization_id: int,
    member_id: str | None = None,
    owner_id: int | None = None,
    via: str = "sso",
    id_token: str | None = None,
) -> str:
    """Open a web session as a sign-in does, from now on; return the key its cookie carries."""
    return web_sessions.open_session(
        session,
        kind=kind,
        organization_id=organization_id,
        member_id=member_id,
        owner_id=owner_id,
        via=via,
        id_token=id_token,
        at=datetime.now(UTC),
        lifetime=timedelta(hours=1),
    )


def gen_sso_config(session: Session, organization: Organization) -> SsoConfig:
    """Give the organization JIT SSO for acme.test at an unreachable provider (app context)."""
    config = SsoConfig(
        organization_id=organization.id,
        issuer=UNREACHABLE_ISSUER,
        client_id="c",
        client_secret_encrypted=encrypt("s"),
        allowed_domains="acme.test",
        jit=True,
        product_url="https://product.example",
        updated_at=datetime.now(UTC),
    )
    session.add(config)
    return config


def gen_group(session: Session, organization: Organization, display_name: str) -> ScimGroup:
    """Create an empty SCIM group of the organization."""
    group = ScimGroup(
        organization_id=organization.id,
        display_name=display_name,
        display_name_key=identity_key(display_name, what="displayName"),
        scim={"displayName": display_name},
        version=1,
        created_at=AT,
        updated_at=AT,
    )
    session.add(group)
    session.flush()
    return group


def seat_holders(session: Session, organization_id: int | None = None) -> list[str]:
    """Return the user names of the members holding a seat (in one organization), sorted."""
    query = select(Member.user_name).join(Seat, Seat.member_id == Member.id)
    if organization_id is not None:
        query = query.where(Member.organization_id == organization_id)
    return list(session.scalars(query.order_by(Member.user_name)))
