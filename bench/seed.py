"""Seeding through the seat core's models: organizations, tokens and members in bulk.

Members go in with multi-row INSERTs (SQLAlchemy Core, thousands a statement) rather than
over HTTP. The seat invariant still holds when seeding ends: every active member gets a
Seat row, and contract.seats_used grows by the same count in the same transaction.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, func, insert, select, text, update

from scim_gateway.tokens import issue_token
from seat_core import create_organization, email_key, identity_key, make_sessionmaker
from seat_core.identity import natural_key
from seat_core.models import Contract, Member, Seat

from .users import external_id, is_active, user_name

ISSUER = "https://idp.bench.example"
BATCH = 5000
NAMESPACE = uuid.UUID("7b0c3c0e-8f4e-4a53-9d7b-4d3f0e1b7a10")
EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Org:
    """A seeded organization and the secrets of its SCIM and API tokens."""

    id: int
    slug: str
    contract_id: int
    scim_token: str
    api_token: str


def subject(slug: str, index: int) -> str:
    """Return the SSO subject of the index-th seeded member."""
    return f"sub-{slug}-{index:06d}"


def member_id(slug: str, index: int) -> str:
    """Return the id of the index-th seeded member: random-looking, but reproducible."""
    return str(uuid.uuid5(NAMESPACE, f"{slug}/{index}"))


def create_org(engine: Engine, slug: str, *, seats: int) -> Org:
    """Create an organization whose term covers today, with a SCIM and an API token."""
    now = datetime.now(UTC)
    with make_sessionmaker(engine).begin() as session:
        organization = create_organization(
            session,
            slug=slug,
            name=f"Bench {slug}",
            seats=seats,
            price_per_seat_year_minor=36000,
            currency="USD",
            start=(now - timedelta(days=30)).date(),
            at=now,
        )
        _, scim_token = issue_token(session, organization, kind="scim", at=now, label="bench")
        _, api_token = issue_token(session, organization, kind="api", at=now, label="bench")
        contract_id = session.scalar(
            select(Contract.id).where(Contract.organization_id == organization.id)
        )
        assert contract_id is not None
        return Org(organization.id, slug, contract_id, scim_token, api_token)


def _member_row(org: Org, index: int, *, active: bool) -> dict[str, object]:
    name = user_name(org.slug, index)
    at = EPOCH + timedelta(milliseconds=index)
    display = f"Bench User {index:06d}"
    return {
        "id": member_id(org.slug, index),
        "organization_id": org.id,
        "user_name": name,
        "user_name_key": identity_key(name),
        "name_sort_key": natural_key(identity_key(name)),
        "external_id": external_id(org.slug, index),
        "display_name": display,
        "email": name,
        "email_key": email_key(name),
        "active": active,
        "source": "scim",
        # The shape the SCIM endpoints store for a created user.
        "scim": {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": name,
            "externalId": external_id(org.slug, index),
            "name": {"givenName": "Bench", "familyName": f"User {index:06d}"},
            "displayName": display,
            "emails": [{"value": name, "type": "work", "primary": True}],
        },
        "version": 1,
        "sso_issuer": ISSUER,
        "sso_subject": subject(org.slug, index),
        "created_at": at,
        "updated_at": at,
    }


def seed_members(
    engine: Engine, org: Org, start: int, stop: int, *, all_inactive: bool = False
) -> None:
    """Insert members start..stop-1; active ones take seats, counted on the contract."""
    taken_at = datetime.now(UTC)
    for low in range(start, stop, BATCH):
        indexes = range(low, min(low + BATCH, stop))
        rows = [_member_row(org, i, active=is_active(i) and not all_inactive) for i in indexes]
        seats = [
            {"contract_id": org.contract_id, "member_id": row["id"], "taken_at": taken_at}
            for row in rows
            if row["active"]
        ]
        with engine.begin() as connection:
            connection.execute(insert(Member), rows)
            if seats:
                connection.execute(insert(Seat), seats)
                # The same transaction counts the seats: the invariant holds at every commit.
                connection.execute(
                    update(Contract)
                    .where(Contract.id == org.contract_id)
                    .values(seats_used=Contract.seats_used + len(seats))
                )


def analyze(engine: Engine) -> None:
    """Refresh PostgreSQL's planner statistics, as autovacuum would after a bulk load."""
    if engine.dialect.name == "postgresql":
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            connection.execute(text("ANALYZE"))


def check_invariant(engine: Engine, org: Org) -> dict[str, int]:
    """Return the contract's counts; raise if seats in use disagree with the seat rows."""
    with engine.connect() as connection:
        used, purchased = connection.execute(
            select(Contract.seats_used, Contract.seats_purchased).where(
                Contract.id == org.contract_id
            )
        ).one()
        seats = connection.scalar(
            select(func.count()).select_from(Seat).where(Seat.contract_id == org.contract_id)
        )
        active = connection.scalar(
            select(func.count())
            .select_from(Member)
            .where(Member.organization_id == org.id, Member.active.is_(True))
        )
        members = connection.scalar(
            select(func.count()).select_from(Member).where(Member.organization_id == org.id)
        )
    counts = {
        "members": members or 0,
        "active": active or 0,
        "seats_used": used,
        "seat_rows": seats or 0,
        "seats_purchased": purchased,
    }
    if not (used == seats == active and used <= purchased):
        raise AssertionError(f"seat invariant broken in {org.slug}: {counts}")
    return counts
