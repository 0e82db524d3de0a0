"""Fixtures for the SCIM API tests: an organization, its token, a client that sends it."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from scim_gateway.db import transaction
from scim_gateway.tokens import issue_token
from tests.factories import gen_organization
from tests.support.pooled import pooled_database_url  # noqa: F401 (through PgBouncer too)

BASE = "/scim/v2"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEAT_SCHEMA = "urn:ietf:params:scim:schemas:extension:seatgateway:2.0:User"


@dataclass
class Scim:
    """A test client that sends an organization's SCIM token with every request."""

    app: Flask
    client: FlaskClient
    token: str
    slug: str

    def request(self, method: str, path: str, **options: Any) -> TestResponse:
        headers = {"Authorization": f"Bearer {self.token}", **options.pop("headers", {})}
        if "json" in options:
            options["headers"] = {**headers, "Content-Type": "application/scim+json"}
        else:
            options["headers"] = headers
        return self.client.open(BASE + path, method=method, **options)

    def get(self, path: str, **options: Any) -> TestResponse:
        return self.request("GET", path, **options)

    def post(self, path: str, json: Any, **options: Any) -> TestResponse:
        return self.request("POST", path, json=json, **options)

    def put(self, path: str, json: Any, **options: Any) -> TestResponse:
        return self.request("PUT", path, json=json, **options)

    def patch(self, path: str, operations: list[dict[str, Any]], **options: Any) -> TestResponse:
        body = {"schemas": [PATCH_SCHEMA], "Operations": operations}
        return self.request("PATCH", path, json=body, **options)

    def delete(self, path: str, **options: Any) -> TestResponse:
        return self.request("DELETE", path, **options)

    def create_user(self, user_name: str, **attributes: Any) -> dict[str, Any]:
        response = self.post("/Users", user(user_name, **attributes))
        assert response.status_code == 201, response.json
        body: dict[str, Any] = response.json  # type: ignore[assignment]
        return body


def user(user_name: str, **attributes: Any) -> dict[str, Any]:
    """Return a User creation payload."""
    return {"schemas": [USER_SCHEMA], "userName": user_name, **attributes}


def make_organization(app: Flask, slug: str, seats: int) -> str:
    """Create an organization whose term covers today; return a new SCIM token of it."""
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        organization = gen_organization(
            session,
            slug=slug,
            name=slug.title(),
            seats=seats,
            start=date.today() - timedelta(days=30),
            at=at,
        )
        _, token = issue_token(session, organization, kind="scim", at=at)
    return token


@pytest.fixture
def make_scim(app: Flask) -> Callable[..., Scim]:
    """Return make(slug, seats): an organization and a client holding its token."""

    def make(slug: str = "acme", seats: int = 10) -> Scim:
        return Scim(app, app.test_client(), make_organization(app, slug, seats), slug)

    return make


@pytest.fixture
def scim(make_scim: Callable[..., Scim]) -> Scim:
    """Acme with 10 seats, and a client with its SCIM token."""
    return make_scim()
