"""What every generated request must leave true: its answer's shape, and the seats."""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, settings
from sqlalchemy import func, select
from werkzeug.test import TestResponse

from scim_gateway.db import transaction
from seat_core.models import Contract, Member, Organization, Seat

ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
SCIM_CONTENT_TYPE = "application/scim+json"
PROBLEM_CONTENT_TYPE = "application/problem+json"
# The scimType values RFC 7644 §3.12 defines for 400.
SCIM_TYPES_400 = {
    "invalidFilter",
    "tooMany",
    "uniqueness",
    "mutability",
    "invalidSyntax",
    "invalidPath",
    "noTarget",
    "invalidValue",
    "invalidVers",
    "sensitive",
}


# Multiplies every generative test's example count, for a longer hunt outside CI.
SCALE = float(os.environ.get("SCIM_GATEWAY_TEST_EXAMPLES_SCALE", "1"))


def bounded(max_examples: int, **options: Any) -> settings:
    """Return the settings of a generative test: derandomized, bounded, no example database."""
    return settings(
        max_examples=max(1, round(max_examples * SCALE)),
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=[
            HealthCheck.too_slow,
            HealthCheck.data_too_large,
            HealthCheck.filter_too_much,
            HealthCheck.large_base_example,
        ],
        **options,
    )


def send(client: FlaskClient, method: str, path: str, **options: Any) -> TestResponse:
    """Send a request; an exception that escapes the app is answered as the 500 it would be."""
    try:
        return client.open(path, method=method, **options)
    except Exception as error:  # any escape is a finding, reported as the 500 it would be
        raise AssertionError(
            f"{method} {path} raised {type(error).__name__}: {error}; a server answers 500"
        ) from error


def describe(response: TestResponse) -> str:
    """Return the status, content type and start of the body, for assertion messages."""
    body = response.get_data(as_text=True)
    return f"{response.status_code} {response.content_type!r} {body[:300]!r}"


def check_scim_response(response: TestResponse) -> None:
    """Assert a SCIM answer is no 5xx and that an error is a well-formed SCIM Error."""
    status = response.status_code
    assert status < 500, describe(response)
    if status in (204, 304):
        return
    assert response.content_type.startswith(SCIM_CONTENT_TYPE), describe(response)
    body = json.loads(response.get_data(as_text=True))
    assert isinstance(body, dict), describe(response)
    if status < 400:
        return
    assert body.get("schemas") == [ERROR_SCHEMA], describe(response)
    assert str(body.get("status")) == str(status), describe(response)
    if status == 400:
        assert body.get("scimType") in SCIM_TYPES_400, describe(response)


def check_problem_response(response: TestResponse) -> None:
    """Assert a JSON API answer is no 5xx and that an error is RFC 9457 problem JSON."""
    status = response.status_code
    assert status < 500, describe(response)
    if status < 400:
        assert response.content_type.startswith("application/json"), describe(response)
        json.loads(response.get_data(as_text=True))
        return
    assert response.content_type.startswith(PROBLEM_CONTENT_TYPE), describe(response)
    body = json.loads(response.get_data(as_text=True))
    assert isinstance(body, dict), describe(response)
    assert body.get("status") == status, describe(response)
    assert isinstance(body.get("detail"), str) and body["detail"], describe(response)


@dataclass(frozen=True)
class SeatCount:
    """Three counts that must agree: the contract's, the seat rows and the active members."""

    seats_used: int
    seat_rows: int
    active_members: int
    seats_purchased: int


def seat_count(app: Flask, slug: str) -> SeatCount:
    """Count an organization's seats three ways, straight from the database."""
    with app.app_context(), transaction() as session:
        organization = session.scalars(select(Organization).filter_by(slug=slug)).one()
        contract = session.scalars(
            select(Contract).filter_by(organization_id=organization.id)
        ).one()
        rows = session.scalar(
            select(func.count()).select_from(Seat).filter_by(contract_id=contract.id)
        )
        active = session.scalar(
            select(func.count())
            .select_from(Member)
            .filter_by(organization_id=organization.id, active=True)
        )
        return SeatCount(contract.seats_used, rows or 0, active or 0, contract.seats_purchased)


def check_seats(app: Flask, slug: str) -> SeatCount:
    """Assert seats in use equal the seat rows and the active members (no seat policy)."""
    count = seat_count(app, slug)
    assert count.seats_used == count.seat_rows == count.active_members, count
    assert count.seats_used <= count.seats_purchased, count
    return count
