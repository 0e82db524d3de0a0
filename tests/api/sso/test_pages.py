"""The sign-in pages that need no identity provider: errors, me, request a seat, logout."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from sqlalchemy import select

from scim_gateway.crypto import encrypt
from scim_gateway.db import transaction
from seat_core.models import Member, SsoConfig
from tests.factories import gen_member, gen_organization

# Nothing listens on port 9: the provider is unreachable.
UNREACHABLE = "http://127.0.0.1:9"


@pytest.fixture
def acme(sqlite_app: Flask) -> Flask:
    """Acme with SSO pointing at an unreachable provider, and one seated member."""
    with sqlite_app.app_context(), transaction() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "ann@acme.test")
        session.add(
            SsoConfig(
                organization_id=organization.id,
                issuer=UNREACHABLE,
                client_id="c",
                client_secret_encrypted=encrypt("s"),
                allowed_domains="acme.test",
                jit=True,
                product_url="https://product.example",
                updated_at=datetime.now(UTC),
            )
        )
    return sqlite_app


def member_id(app: Flask) -> str:
    with app.app_context(), transaction() as session:
        return session.scalars(select(Member.id)).one()


def test_an_organization_without_sso_gets_a_404_page(acme: Flask) -> None:
    answer = acme.test_client().get("/sso/nobody/login")

    assert answer.status_code == 404 and "not set up" in answer.text


def test_an_unreachable_provider_gets_a_502_page_that_says_so(acme: Flask) -> None:
    answer = acme.test_client().get("/sso/acme/login")

    assert answer.status_code == 502 and "cannot be reached" in answer.text
    assert answer.headers["Cache-Control"] == "no-store"


def test_me_is_401_without_a_sign_in(acme: Flask) -> None:
    answer = acme.test_client().get("/sso/acme/me")

    assert answer.status_code == 401 and answer.json["login_url"] == "/sso/acme/login"


def test_me_returns_the_signed_in_member_until_the_session_is_an_hour_old(acme: Flask) -> None:
    client = acme.test_client()
    signed_in_at = datetime.now(UTC)
    with client.session_transaction() as session:
        session["sso_member"] = {
            "org": "acme",
            "member_id": member_id(acme),
            "signed_in_at": signed_in_at.isoformat(),
            "id_token": None,
        }

    fresh = client.get("/sso/acme/me")
    elsewhere = client.get("/sso/other/me")
    with client.session_transaction() as session:
        an_hour_ago = (signed_in_at - timedelta(hours=1)).isoformat()
        session["sso_member"] = {**session["sso_member"], "signed_in_at": an_hour_ago}
    stale = client.get("/sso/acme/me")

    assert fresh.status_code == 200 and fresh.json["user_name"] == "ann@acme.test"
    assert elsewhere.status_code == 401 and stale.status_code == 401


def test_asking_for_a_seat_needs_the_forms_token_and_a_refused_sign_in(acme: Flask) -> None:
    client = acme.test_client()
    with client.session_transaction() as session:
        session["sso_csrf"] = "token"

    forged = client.post("/sso/acme/request-seat", data={"csrf_token": "guess"})
    unrefused = client.post("/sso/acme/request-seat", data={"csrf_token": "token"})

    assert forged.status_code == 400 and "expired" in forged.text
    assert unrefused.status_code == 400 and "Sign in first" in unrefused.text


def test_logout_without_a_reachable_provider_still_signs_out(acme: Flask) -> None:
    client = acme.test_client()
    with client.session_transaction() as session:
        session["sso_member"] = {"org": "acme", "member_id": "x", "signed_in_at": "x"}

    answer = client.get("/sso/acme/logout")

    assert answer.status_code == 302 and answer.headers["Location"] == "/sso/acme/signed-out"
    with client.session_transaction() as session:
        assert "sso_member" not in session
    assert "signed out" in client.get("/sso/acme/signed-out").text
