"""Member sessions end when they should: sign-out, deactivation, deletion, a freed seat."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select, update

from scim_gateway.db import transaction
from scim_gateway.sso.sessions import FLOWS, MEMBER
from scim_gateway.tokens import issue_token
from seat_core import web_sessions
from seat_core.models import Member, WebSession
from seat_core.web_sessions import Flow
from tests.factories import (
    gen_member,
    gen_organization,
    gen_owner,
    gen_sso_config,
    gen_web_session,
)

PATCH = "urn:ietf:params:scim:api:messages:2.0:PatchOp"


@pytest.fixture
def acme(app: Flask) -> dict[str, Any]:
    """Acme with SSO, a seated SCIM member ann, an owner, and a SCIM token; globex beside it."""
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        organization = gen_organization(session, seats=2, start=at.date().replace(day=1), at=at)
        gen_sso_config(session, organization)
        ann = gen_member(session, organization, "ann@acme.test", email="ann@acme.test", at=at)
        owner = gen_owner(session, organization, "olga@acme.test")
        _, token = issue_token(session, organization, kind="scim", at=at)
        globex = gen_organization(session, slug="globex", name="Globex", at=at)
        gen_sso_config(session, globex)
        return {
            "id": organization.id,
            "ann": ann.id,
            "owner": owner.id,
            "token": token,
            "globex": globex.id,
        }


def signed_in(app: Flask, acme: dict[str, Any], **options: Any) -> FlaskClient:
    """Return a browser in which ann signed in through acme's SSO."""
    with app.app_context(), transaction() as session:
        key = gen_web_session(
            session, kind="member", organization_id=acme["id"], member_id=acme["ann"], **options
        )
    client = app.test_client()
    with client.session_transaction() as cookie:
        cookie[MEMBER] = key
    return client


def copy_of(client: FlaskClient, app: Flask) -> FlaskClient:
    """Return another browser holding a copy of the client's cookie."""
    cookie = client.get_cookie("session")
    assert cookie is not None
    copy = app.test_client()
    copy.set_cookie("session", cookie.value)
    return copy


def sessions_of_ann(app: Flask, acme: dict[str, Any]) -> int:
    with app.app_context(), transaction() as session:
        return (
            session.scalar(
                select(func.count())
                .select_from(WebSession)
                .where(WebSession.member_id == acme["ann"])
            )
            or 0
        )


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, "no CSRF token on the page"
    return match.group(1)


def scim_active(app: Flask, acme: dict[str, Any], active: bool) -> None:
    answer = app.test_client().patch(
        f"/scim/v2/Users/{acme['ann']}",
        json={"schemas": [PATCH], "Operations": [{"op": "replace", "value": {"active": active}}]},
        headers={
            "Authorization": f"Bearer {acme['token']}",
            "Content-Type": "application/scim+json",
        },
    )
    assert answer.status_code == 200, answer.text


def test_a_cookie_copied_before_sign_out_opens_nothing_after_it(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme)
    copy = copy_of(browser, app)
    confirm = browser.get("/sso/acme/logout")

    out = browser.post("/sso/acme/logout", data={"csrf_token": csrf(confirm.text)})

    assert out.status_code == 302 and out.headers["Location"] == "/sso/acme/signed-out"
    assert browser.get("/sso/acme/me").status_code == 401
    assert copy.get("/sso/acme/me").status_code == 401
    assert sessions_of_ann(app, acme) == 0


def test_opening_the_sign_out_link_asks_to_confirm_and_signs_no_one_out(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme)

    page = browser.get("/sso/acme/logout")

    assert page.status_code == 200 and 'method="post"' in page.text
    assert 'action="/sso/acme/logout"' in page.text and "Sign out" in page.text
    assert browser.get("/sso/acme/me").status_code == 200
    assert sessions_of_ann(app, acme) == 1


def test_a_sign_out_post_without_the_forms_token_is_refused(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme)
    browser.get("/sso/acme/logout")

    forged = browser.post("/sso/acme/logout", data={"csrf_token": "guess"})
    bare = browser.post("/sso/acme/logout")

    assert forged.status_code == 400 and "did not come from this site" in forged.text
    assert bare.status_code == 400
    assert browser.get("/sso/acme/me").status_code == 200
    assert sessions_of_ann(app, acme) == 1


def test_signing_out_of_another_organization_leaves_the_session_alone(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme)
    confirm = browser.get("/sso/globex/logout")

    browser.post("/sso/globex/logout", data={"csrf_token": csrf(confirm.text)})

    assert browser.get("/sso/acme/me").status_code == 200
    assert browser.get("/sso/globex/me").status_code == 401


def test_signing_out_of_an_unknown_organization_gets_a_404_page(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme)

    answer = browser.get("/sso/nobody/logout")

    assert answer.status_code == 404 and "not set up" in answer.text


def test_a_scim_deactivation_ends_the_members_sessions_and_reactivation_revives_none(
    app: Flask, acme: dict[str, Any]
) -> None:
    laptop, phone = signed_in(app, acme), signed_in(app, acme)
    assert laptop.get("/sso/acme/me").status_code == 200

    scim_active(app, acme, False)
    scim_active(app, acme, True)

    assert laptop.get("/sso/acme/me").status_code == 401
    assert phone.get("/sso/acme/me").status_code == 401
    assert sessions_of_ann(app, acme) == 0
    with app.app_context(), transaction() as session:
        assert session.get_one(Member, acme["ann"]).active is True


def test_a_scim_delete_ends_the_members_sessions(app: Flask, acme: dict[str, Any]) -> None:
    browser = signed_in(app, acme)

    deleted = app.test_client().delete(
        f"/scim/v2/Users/{acme['ann']}", headers={"Authorization": f"Bearer {acme['token']}"}
    )

    assert deleted.status_code == 204
    assert browser.get("/sso/acme/me").status_code == 401
    assert sessions_of_ann(app, acme) == 0


def test_an_owner_freeing_the_members_seat_ends_the_members_sessions(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme)
    owner = app.test_client()
    with app.app_context(), transaction() as session:
        key = gen_web_session(
            session, kind="owner", organization_id=acme["id"], owner_id=acme["owner"]
        )
    with owner.session_transaction() as cookie:
        cookie["owner_session"] = key
    token = csrf(owner.get("/admin/acme/members").text)

    freed = owner.post(f"/admin/acme/members/{acme['ann']}/unassign", data={"csrf_token": token})

    assert freed.status_code == 302
    assert browser.get("/sso/acme/me").status_code == 401
    assert sessions_of_ann(app, acme) == 0


def test_an_expired_session_is_no_session(app: Flask, acme: dict[str, Any]) -> None:
    browser = signed_in(app, acme)
    with app.app_context(), transaction() as session:
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        session.execute(
            update(WebSession).values(
                created_at=an_hour_ago - timedelta(hours=1), expires_at=an_hour_ago
            )
        )

    answer = browser.get("/sso/acme/me")

    assert answer.status_code == 401 and answer.json["login_url"] == "/sso/acme/login"


def start_flow(app: Flask, organization_id: int) -> str:
    """Start a sign-in flow as the login page does; return its state."""
    state = web_sessions.new_key()
    flow = Flow(code_verifier=web_sessions.new_key(), nonce="n", next="member")
    with app.app_context(), transaction() as session:
        web_sessions.start_flow(
            session,
            state,
            flow,
            organization_id=organization_id,
            at=datetime.now(UTC),
            lifetime=timedelta(minutes=10),
        )
    return state


def test_failed_and_forged_callbacks_leave_the_live_session_working(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme)
    elsewhere = start_flow(app, acme["id"])  # started by another browser
    globex = start_flow(app, acme["globex"])  # this browser's, but for another organization
    with browser.session_transaction() as cookie:
        cookie[FLOWS] = [globex]

    answers = [
        browser.get("/sso/acme/callback?state=garbage&code=x"),
        browser.get("/sso/acme/callback"),
        browser.get(f"/sso/acme/callback?state={elsewhere}&code=x"),
        browser.get(f"/sso/acme/callback?state={globex}&code=x"),
        browser.get(f"/sso/acme/callback?state={elsewhere}&error=access_denied"),
    ]

    assert [a.status_code for a in answers] == [400] * 5
    assert all("was not started here" in a.text for a in answers)
    me = browser.get("/sso/acme/me")
    assert me.status_code == 200 and me.json["user_name"] == "ann@acme.test"
    assert sessions_of_ann(app, acme) == 1


def test_a_failed_answer_to_this_browsers_own_sign_in_leaves_the_live_session_working(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme)
    state = start_flow(app, acme["id"])
    with browser.session_transaction() as cookie:
        cookie[FLOWS] = [state]

    failed = browser.get(f"/sso/acme/callback?state={state}&error=access_denied")
    again = browser.get(f"/sso/acme/callback?state={state}&code=x")

    # The provider is unreachable: the flow is used up before the answer is checked.
    assert failed.status_code == 502 and again.status_code == 400
    assert browser.get("/sso/acme/me").status_code == 200


def test_sso_sign_out_also_ends_the_owner_session_opened_through_sso(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme, id_token="member-token")
    with app.app_context(), transaction() as session:
        key = gen_web_session(
            session, kind="owner", organization_id=acme["id"], owner_id=acme["owner"]
        )
    with browser.session_transaction() as cookie:
        cookie["owner_session"] = key
    assert browser.get("/admin/acme/billing").status_code == 200
    confirm = browser.get("/sso/acme/logout")

    browser.post("/sso/acme/logout", data={"csrf_token": csrf(confirm.text)})

    assert browser.get("/sso/acme/me").status_code == 401
    assert browser.get("/admin/acme/billing").status_code == 302
    with app.app_context(), transaction() as session:
        assert session.scalar(select(func.count()).select_from(WebSession)) == 0


def test_sso_sign_out_leaves_an_owner_session_opened_by_password(
    app: Flask, acme: dict[str, Any]
) -> None:
    browser = signed_in(app, acme)
    with app.app_context(), transaction() as session:
        key = gen_web_session(
            session,
            kind="owner",
            organization_id=acme["id"],
            owner_id=acme["owner"],
            via="password",
        )
    with browser.session_transaction() as cookie:
        cookie["owner_session"] = key
    confirm = browser.get("/sso/acme/logout")

    browser.post("/sso/acme/logout", data={"csrf_token": csrf(confirm.text)})

    assert browser.get("/sso/acme/me").status_code == 401
    assert browser.get("/admin/acme/billing").status_code == 200
