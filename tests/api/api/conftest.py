"""Fixtures for the owners' JSON API: acme, its owners and their API tokens."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask

from scim_gateway.db import transaction
from scim_gateway.tokens import issue_token
from tests.factories import gen_organization, gen_owner
from tests.support.pooled import pooled_database_url  # noqa: F401 (through PgBouncer too)


def create_org(app: Flask, slug: str = "acme", seats: int = 10) -> dict[str, str]:
    """Create an organization whose term covers today; return bearer headers per token."""
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        organization = gen_organization(
            session,
            slug=slug,
            name=slug.title(),
            seats=seats,
            start=at.date().replace(day=1),
            at=at,
        )
        primary = gen_owner(session, organization, f"ann@{slug}.test")
        owner = gen_owner(session, organization, f"bob@{slug}.test", role="owner")
        tokens = {
            "primary": issue_token(session, organization, kind="api", at=at, owner_id=primary.id),
            "owner": issue_token(session, organization, kind="api", at=at, owner_id=owner.id),
            "product": issue_token(session, organization, kind="api", at=at),
            "scim": issue_token(session, organization, kind="scim", at=at),
        }
    return {name: f"Bearer {secret}" for name, (_, secret) in tokens.items()}


@pytest.fixture
def tokens(app: Flask) -> dict[str, str]:
    """Authorization headers of acme's Primary Owner, Owner, product and SCIM tokens."""
    return create_org(app)


def auth(header: str, **extra: Any) -> dict[str, str]:
    """Return request headers with that Authorization."""
    return {"Authorization": header, **extra}
