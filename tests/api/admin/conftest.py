"""Fixtures for the owners' pages: an organization whose term covers today, its owners."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any

import pytest
from argon2 import PasswordHasher
from flask import Flask
from flask.testing import FlaskClient

from scim_gateway.db import transaction
from tests.factories import gen_organization, gen_owner

PASSWORD = "correct horse battery"
# Argon2id with small costs: the sign-in code verifies it like any other, only faster.
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
PRIMARY, OWNER = "ann@acme.test", "bob@acme.test"


def this_term_start() -> date:
    """Return the first day of the current month: a term that covers today."""
    return datetime.now(UTC).date().replace(day=1)


def create_acme(app: Flask, seats: int = 10) -> dict[str, Any]:
    """Create acme (seats at 360.00 a year, term from this month) with two owners."""
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        organization = gen_organization(session, seats=seats, start=this_term_start(), at=at)
        gen_owner(session, organization, PRIMARY, password_hash=CHEAP_HASH)
        gen_owner(session, organization, OWNER, role="owner", password_hash=CHEAP_HASH)
        return {"id": organization.id, "slug": organization.slug}


@pytest.fixture
def acme(app: Flask) -> dict[str, Any]:
    """acme with 10 seats, a Primary Owner and an Owner."""
    return create_acme(app)


def csrf(html: str) -> str:
    """Return the CSRF token a page's forms carry."""
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def field(html: str, name: str) -> str:
    """Return the value of a hidden field."""
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no field {name} on the page"
    return match.group(1)


def sign_in(client: FlaskClient, email: str = PRIMARY, password: str = PASSWORD) -> Any:
    """Sign in through the sign-in form and return the response."""
    page = client.get("/admin/acme/login")
    return client.post(
        "/admin/acme/login",
        data={"email": email, "password": password, "csrf_token": csrf(page.text)},
    )


@pytest.fixture
def primary(client: FlaskClient, acme: dict[str, Any]) -> FlaskClient:
    """A client signed in as acme's Primary Owner."""
    assert sign_in(client).status_code == 302
    return client


@pytest.fixture
def owner(client: FlaskClient, acme: dict[str, Any]) -> FlaskClient:
    """A client signed in as an Owner (not Primary) of acme."""
    assert sign_in(client, OWNER).status_code == 302
    return client


def post_form(client: FlaskClient, page_url: str, action: str, **data: Any) -> Any:
    """Load a page for its CSRF token, then post a form to action."""
    token = csrf(client.get(page_url).text)
    return client.post(action, data={"csrf_token": token, **data})
