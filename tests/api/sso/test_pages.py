"""The sign-in pages that need no identity provider: errors, me, request a seat, logout."""

from __future__ import annotations

import pytest
from flask import Flask
from sqlalchemy import select

from scim_gateway.db import transaction
from scim_gateway.sso.sessions import MEMBER
from seat_core.models import Member
from tests.factories import (
    gen_member,
    gen_organization,
    gen_sso_config,
    gen_web_session,
)


@pytest.fixture
def acme(sqlite_app: Flask) -> Flask:
    """Acme with SSO pointing at an unreachable provider, and one seated member."""
    with sqlite_app.app_context(), transaction() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "ann@acme.test")
        gen_sso_config(session, organization)
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


def test_me_returns_the_signed_in_member_of_that_organization_only(acme: Flask) -> None:
    client = acme.test_client()
    with acme.app_context(), transaction() as session:
        ann = session.scalars(select(Member)).one()
        key = gen_web_session(
            session, kind="member", organization_id=ann.organization_id, member_id=ann.id
        )
    with client.session_transaction() as cookie:
        cookie[MEMBER] = key

    fresh = client.get("/sso/acme/me")
    elsewhere = client.get("/sso/other/me")

    assert fresh.status_code == 200 and fresh.json["user_name"] == "ann@acme.test"
    assert elsewhere.status_code == 401


def test_asking_for_a_seat_needs_the_forms_token_and_a_refused_sign_in(acme: Flask) -> None:
    client = acme.test_client()
    with client.session_transaction() as session:
        session["csrf_token"] = "token"

    forged = client.post("/sso/acme/request-seat", data={"csrf_token": "guess"})
    unrefused = client.post("/sso/acme/request-seat", data={"csrf_token": "token"})

    assert forged.status_code == 400 and "expired" in forged.text
    assert unrefused.status_code == 400 and "Sign in first" in unrefused.text


def test_sign_out_without_a_reachable_provider_still_signs_out(acme: Flask) -> None:
    client = acme.test_client()
    with acme.app_context(), transaction() as session:
        ann = session.scalars(select(Member)).one()
        key = gen_web_session(
            session, kind="member", organization_id=ann.organization_id, member_id=ann.id
        )
    with client.session_transaction() as cookie:
        cookie[MEMBER] = key
        cookie["csrf_token"] = "token"

    answer = client.post("/sso/acme/logout", data={"csrf_token": "token"})

    assert answer.status_code == 302 and answer.headers["Location"] == "/sso/acme/signed-out"
    with client.session_transaction() as cookie:
        assert MEMBER not in cookie
    assert client.get("/sso/acme/me").status_code == 401
    assert "signed out" in client.get("/sso/acme/signed-out").text
