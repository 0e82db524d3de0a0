"""A term that has ended renews on the spot when a SCIM request takes a seat."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from flask import Flask
from sqlalchemy import select

from scim_gateway.db import read_only, transaction
from scim_gateway.tokens import issue_token
from seat_core.models import Contract
from tests.factories import gen_organization

from .conftest import Scim, user


def lapsed(app: Flask, *, auto_renew: bool) -> Scim:
    """Acme, whose first term ended yesterday, and a client with its SCIM token."""
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        start = date.today() - timedelta(days=366)
        organization = gen_organization(session, seats=3, start=start, auto_renew=auto_renew)
        _, token = issue_token(session, organization, kind="scim", at=at)
    return Scim(app, app.test_client(), token, "acme")


def contract(app: Flask) -> tuple[int, int, str]:
    with app.app_context(), read_only() as session:
        row = session.scalars(select(Contract)).one()
        return row.term_index, row.seats_used, row.status


def test_a_create_after_the_term_renews_the_contract_then_takes_a_seat(app):
    scim = lapsed(app, auto_renew=True)

    response = scim.post("/Users", user("ann"))

    assert response.status_code == 201, response.json
    # Renewed at the one seat the plan keeps at least, which ann now holds.
    assert contract(app) == (1, 1, "active")


def test_an_activation_after_the_term_renews_the_contract_then_takes_a_seat(app):
    scim = lapsed(app, auto_renew=True)
    created = scim.post("/Users", user("ann", active=False))
    assert created.status_code == 201, created.json

    response = scim.patch(
        f"/Users/{created.json['id']}", [{"op": "replace", "path": "active", "value": True}]
    )

    assert response.status_code == 200, response.json
    assert contract(app) == (1, 1, "active")


def test_a_create_after_a_term_that_does_not_renew_is_refused_and_renews_nothing(app):
    scim = lapsed(app, auto_renew=False)

    response = scim.post("/Users", user("ann"))

    assert response.status_code == 403, response.json
    assert contract(app) == (0, 0, "active")
