"""Operator, owner and SCIM tokens each open their own routes and nothing else."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import update

from scim_gateway.db import transaction
from scim_gateway.operator.tokens import LAST_USED_EVERY, hash_secret, mark_used
from seat_core.models import OperatorToken
from tests.api.api.conftest import create_org

from .conftest import create, operator_header, org_body

OPERATOR_ROUTES = [
    ("get", "/api/v1/operator/orgs"),
    ("post", "/api/v1/operator/orgs"),
    ("get", "/api/v1/operator/orgs/acme"),
    ("patch", "/api/v1/operator/orgs/acme"),
    ("get", "/api/v1/operator/orgs/acme/scim-tokens"),
    ("post", "/api/v1/operator/orgs/acme/scim-tokens"),
    ("delete", "/api/v1/operator/orgs/acme/scim-tokens/1"),
    ("get", "/api/v1/operator/orgs/acme/sso"),
    ("put", "/api/v1/operator/orgs/acme/sso"),
    ("put", "/api/v1/operator/orgs/acme/sso/saml"),
    ("get", "/api/v1/operator/orgs/acme/owners"),
    ("post", "/api/v1/operator/orgs/acme/owners"),
    ("delete", "/api/v1/operator/orgs/acme/owners/1"),
    ("get", "/api/v1/operator/orgs/acme/invoices"),
    ("post", "/api/v1/operator/orgs/acme/invoices/INV-1/paid"),
    ("post", "/api/v1/operator/orgs/acme/invoices/INV-1/due"),
]
OWNER_ROUTES = [
    ("get", "/api/v1/orgs/acme/seats"),
    ("post", "/api/v1/orgs/acme/seats/quote"),
    ("post", "/api/v1/orgs/acme/seats/purchases"),
    ("get", "/api/v1/orgs/acme/invoices"),
    ("get", "/api/v1/orgs/acme/events"),
    ("get", "/api/v1/orgs/acme/seat-policy"),
]
SCIM_ROUTES = [("get", "/scim/v2/Users"), ("get", "/scim/v2/Groups")]


@pytest.fixture
def tokens(app):
    """acme's owner, product and SCIM tokens, and a live operator token."""
    return {**create_org(app), "operator": operator_header(app)}


def call(client, method, path, header):
    return getattr(client, method)(
        path, json={}, headers={"Authorization": header, "Idempotency-Key": "k"}
    )


@pytest.mark.parametrize("name", ["primary", "owner", "product", "scim"])
def test_no_organization_token_opens_an_operator_route(client, tokens, name):
    for method, path in OPERATOR_ROUTES:
        response = call(client, method, path, tokens[name])
        assert response.status_code == 401, (name, method, path)
        assert response.content_type == "application/problem+json"
        assert "WWW-Authenticate" in response.headers


def test_an_operator_token_opens_no_owner_or_scim_route(client, tokens):
    for method, path in OWNER_ROUTES:
        response = call(client, method, path, tokens["operator"])
        assert response.status_code == 401, (method, path)
    for method, path in SCIM_ROUTES:
        assert call(client, method, path, tokens["operator"]).status_code == 401, path


def test_an_owner_token_opens_its_own_routes_and_not_another_organizations(app, client, tokens):
    beta = create_org(app, slug="beta")

    assert call(client, "get", "/api/v1/orgs/acme/seats", tokens["primary"]).status_code == 200
    assert call(client, "get", "/api/v1/orgs/acme/seats", beta["primary"]).status_code == 404
    assert call(client, "get", "/scim/v2/Users", tokens["scim"]).status_code == 200


def test_operator_routes_refuse_no_token_a_malformed_one_and_a_guess(client):
    for header in ("", "Basic abc", "Bearer ", "Bearer sgo_guess"):
        response = call(client, "get", "/api/v1/operator/orgs", header)
        assert response.status_code == 401, header


def test_an_expired_or_revoked_operator_token_opens_nothing(app, client, operator):
    assert call(client, "get", "/api/v1/operator/orgs", operator).status_code == 200
    expiring = operator_header(app, label="soon")
    secret_hash = hash_secret(expiring.removeprefix("Bearer "))
    with app.app_context(), transaction() as session:
        session.execute(
            update(OperatorToken)
            .where(OperatorToken.token_hash == secret_hash)
            .values(expires_at=datetime.now(UTC) - timedelta(seconds=1))
        )
        session.execute(
            update(OperatorToken)
            .where(OperatorToken.token_hash == hash_secret(operator.removeprefix("Bearer ")))
            .values(revoked_at=datetime.now(UTC))
        )

    assert call(client, "get", "/api/v1/operator/orgs", expiring).status_code == 401
    assert call(client, "get", "/api/v1/operator/orgs", operator).status_code == 401


def test_last_use_is_written_at_most_once_a_minute(app, client, operator):
    secret_hash = hash_secret(operator.removeprefix("Bearer "))

    def last_used():
        with app.app_context(), transaction() as session:
            return session.query(OperatorToken).filter_by(token_hash=secret_hash).one()

    call(client, "get", "/api/v1/operator/orgs", operator)
    first = last_used().last_used_at
    call(client, "get", "/api/v1/operator/orgs", operator)
    token = last_used()

    assert first is not None
    assert token.last_used_at == first
    with app.app_context(), transaction() as session:
        mark_used(session, token.id, at=first + LAST_USED_EVERY / 2)
        mark_used(session, token.id, at=first + LAST_USED_EVERY)
    assert last_used().last_used_at == first + LAST_USED_EVERY


def test_an_organization_created_by_one_operator_is_logged_with_that_operator(app, client):
    crm = operator_header(app, label="crm")
    support = operator_header(app, label="support-desk")

    create(client, crm, org_body())
    client.patch(
        "/api/v1/operator/orgs/acme", json={"name": "Acme 2"}, headers={"Authorization": support}
    )

    from .test_operator_orgs import events_of

    assert [(kind, label) for kind, _, label in events_of(app, "acme")] == [
        ("organization.created", "crm"),
        ("organization.changed", "support-desk"),
    ]
