"""Fixtures for the operator API: an operator token and a valid organization body."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from scim_gateway.db import transaction
from scim_gateway.operator.tokens import issue_operator_token


def operator_header(app: Flask, label: str = "crm-sync", days: int = 90) -> str:
    """Issue an operator token and return its Authorization header."""
    with app.app_context(), transaction() as session:
        _, secret = issue_operator_token(session, label=label, at=datetime.now(UTC), days=days)
    return f"Bearer {secret}"


@pytest.fixture
def operator(app: Flask) -> str:
    """The Authorization header of a live operator token labelled crm-sync."""
    return operator_header(app)


def org_body(slug: str = "acme", **changes: Any) -> dict[str, Any]:
    """Return a valid creation body whose term covers today."""
    start = datetime.now(UTC).date().replace(day=1).isoformat()
    return {
        "slug": slug,
        "name": slug.title(),
        "seats": 10,
        "price_per_seat_year": "360.00",
        "currency": "USD",
        "start": start,
        **changes,
    }


def create(client: FlaskClient, header: str, body: dict[str, Any], key: str | None = None) -> Any:
    """POST an organization with an Idempotency-Key (a fresh one unless given)."""
    return client.post(
        "/api/v1/operator/orgs",
        json=body,
        headers={"Authorization": header, "Idempotency-Key": key or str(uuid.uuid4())},
    )
