"""POST /api/v1/orgs/<org>/sign-ins: the seat gate for products that run their own SSO."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from scim_gateway.clock import now as _now
from scim_gateway.crypto import encrypt
from scim_gateway.db import transaction
from scim_gateway.tokens import issue_token
from seat_core import get_organization
from seat_core.models import Member, Outbox, SeatRequest, SsoConfig
from tests.factories import gen_member, gen_organization

URL = "/api/v1/orgs/acme/sign-ins"


@pytest.fixture
def token(app: Flask) -> str:
    """Acme with 2 seats, one held by Ann; return an API token of Acme."""
    with app.app_context(), transaction() as session:
        acme = gen_organization(session, seats=2, start=_this_year())
        gen_member(session, acme, "ann@acme.test", email="ann@acme.test", at=_now())
        gen_organization(session, slug="other", name="Other")
        _, secret = issue_token(session, acme, kind="api", at=_now())
    return secret


def sign_in(client: FlaskClient, token: str, body: Any) -> Any:
    return client.post(URL, json=body, headers={"Authorization": f"Bearer {token}"})


def body(login: str, **extra: Any) -> dict[str, Any]:
    return {"issuer": "https://idp.example", "sub": f"sub-{login}", "email": login, **extra}


def test_a_seated_member_gets_200_with_the_member_and_seat(client: FlaskClient, token: str) -> None:
    answer = sign_in(client, token, body("ann@acme.test"))

    assert answer.status_code == 200
    assert answer.json["member"]["user_name"] == "ann@acme.test"
    assert answer.json["seat"] == {"held": True, "taken_now": False}
    assert answer.json["member"]["last_sign_in_at"] is not None


def test_a_new_person_takes_the_last_seat_and_the_next_gets_403_with_the_reason(
    app: Flask, client: FlaskClient, token: str
) -> None:
    taken = sign_in(client, token, body("bob@acme.test", name="Bob"))
    refused = sign_in(client, token, body("cy@acme.test"))

    assert taken.status_code == 200 and taken.json["created"] is True
    assert taken.json["member"]["source"] == "sso"
    assert refused.status_code == 403 and refused.content_type == "application/problem+json"
    assert refused.json["reason"] == "no_seat" and refused.json["seats_purchased"] == 2
    assert "No seat available in Acme" in refused.json["detail"]
    with app.app_context(), transaction() as session:
        [request] = session.scalars(select(SeatRequest)).all()
        assert refused.json["seat_request_id"] == request.id and request.identity == "cy@acme.test"
        assert session.scalar(select(func.count()).select_from(Member)) == 2
        assert "seat.refused" in session.scalars(select(Outbox.event)).all()


def test_the_organizations_sso_settings_decide_jit(
    app: Flask, client: FlaskClient, token: str
) -> None:
    with app.app_context(), transaction() as session:
        session.add(
            SsoConfig(
                organization_id=get_organization(session, "acme").id,
                issuer="https://idp.example",
                client_id="c",
                client_secret_encrypted=encrypt("s"),
                allowed_domains="acme.test",
                jit=False,
                product_url="https://product.example",
                updated_at=_now(),
            )
        )

    answer = sign_in(client, token, body("dan@acme.test"))

    assert answer.status_code == 403 and answer.json["reason"] == "jit_disabled"


@pytest.mark.parametrize(
    "sent",
    [
        None,
        [],
        {"sub": "x", "email": "x@acme.test"},
        {"issuer": "https://idp.example", "email": "x@acme.test"},
        body("x@acme.test", sub=""),
        body("x@acme.test", email_verified="yes"),
        body("x@acme.test", sub="s" * 257),
    ],
    ids=["no-body", "not-object", "no-issuer", "no-sub", "empty-sub", "bad-verified", "long-sub"],
)
def test_a_malformed_body_gets_400(client: FlaskClient, token: str, sent: Any) -> None:
    answer = sign_in(client, token, sent)

    assert answer.status_code == 400 and answer.json["detail"]


def test_a_request_without_a_token_of_the_organization_is_refused(
    client: FlaskClient, token: str
) -> None:
    anonymous = client.post(URL, json=body("bob@acme.test"))
    elsewhere = client.post(
        "/api/v1/orgs/other/sign-ins",
        json=body("bob@acme.test"),
        headers={"Authorization": f"Bearer {token}"},
    )

    assert anonymous.status_code == 401 and elsewhere.status_code == 404


def _this_year() -> date:
    return _now().date().replace(month=1, day=1)


def test_an_unknown_field_is_refused_as_the_document_says(client: FlaskClient, token: str) -> None:
    response = sign_in(client, token, {**body("bob@acme.test"), "groups": ["admins"]})

    assert response.status_code == 400
    assert "Unknown field 'groups'" in response.json["detail"]
