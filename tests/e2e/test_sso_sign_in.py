"""Members sign in through a real OpenID provider to the app under gunicorn, gated by seats."""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Page
from sqlalchemy import select

from scim_gateway.tokens import issue_token
from seat_core import add_owner, holds_seat, purchase_seats, set_group_members, set_policy
from seat_core.models import Outbox
from tests.factories import gen_group, gen_member

from .sso_world import (
    CLIENT_ID,
    PRODUCT,
    SLUGS,
    World,
    members_of,
    organization_of,
    refused_without_a_trace,
    requests_of,
    seats_in_use,
    start_world,
    text_of,
    utc_now,
    utc_today,
)

pytestmark = pytest.mark.xdist_group("sso-e2e")
USER = "urn:ietf:params:scim:schemas:core:2.0:User"


@pytest.fixture(scope="module")
def world() -> Iterator[World]:
    """Run a fresh PostgreSQL database, the provider and the app for this module."""
    yield from start_world(SLUGS)


def test_a_seated_member_gets_in_with_a_short_lived_session_cookie(world: World) -> None:
    world.organization("ann", seats=1)
    with world.sessions.begin() as session:
        organization = organization_of(session, "ann")
        gen_member(session, organization, "ann@acme.test", email="ann@acme.test", at=utc_now())

    browser, answer = world.sign_in("ann", "ann@acme.test")

    assert answer.status_code == 302 and answer.headers["Location"] == PRODUCT
    cookie = answer.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Expires" not in cookie  # a browser-session cookie; the app ends it after an hour
    # Only the session's random key: no ID token, PKCE verifier or nonce rides along.
    cookie = world.cookie(browser)
    assert set(cookie) <= {"member_session", "sso_flows"} and cookie.get("sso_flows") in (None, [])
    assert len(cookie["member_session"]) >= 43 and "eyJ" not in str(cookie)
    me = world.me(browser, "ann").json()
    assert me["email"] == "ann@acme.test" and me["holds_seat"] is True
    assert me["sso_subject"] == "ann@acme.test" and me["sso_issuer"] == world.provider.issuer
    assert seats_in_use(world, "ann") == 1


def test_a_seated_member_gets_in_though_every_seat_is_taken(world: World) -> None:
    world.organization("seated", seats=2)
    with world.sessions.begin() as session:
        organization = organization_of(session, "seated")
        gen_member(session, organization, "bob@acme.test", email="bob@acme.test", at=utc_now())
        gen_member(session, organization, "cat@acme.test", email="cat@acme.test", at=utc_now())

    for _ in range(2):  # by email first, then by the linked subject
        browser, answer = world.sign_in("seated", "bob@acme.test")
        assert answer.status_code == 302 and answer.headers["Location"] == PRODUCT

    assert world.me(browser, "seated").json()["user_name"] == "bob@acme.test"
    assert seats_in_use(world, "seated") == 2 and len(members_of(world, "seated")) == 2


def test_a_new_person_takes_the_last_seat_and_the_next_is_refused_until_seats_are_bought(
    world: World,
) -> None:
    world.organization("last", seats=2)
    with world.sessions.begin() as session:
        gen_member(session, organization_of(session, "last"), "ann@acme.test", at=utc_now())

    _, first = world.sign_in("last", "dan@acme.test")
    browser, refused = world.sign_in("last", "eve@acme.test")

    assert first.status_code == 302
    [dan] = [m for m in members_of(world, "last") if m.user_name == "dan@acme.test"]
    assert dan.source == "sso" and dan.active and dan.sso_subject == "dan@acme.test"
    assert refused.status_code == 403
    page = text_of(refused)
    assert "Acme" in page and "all 2 seats are in use" in page
    assert "owners of Acme have been told" in page and "Request a seat" in page
    assert world.me(browser, "last").status_code == 401
    assert "eve@acme.test" not in {m.user_name for m in members_of(world, "last")}
    [request] = requests_of(world, "last")
    assert (request.identity, request.channel, request.status) == (
        "eve@acme.test",
        "sso",
        "pending",
    )
    with world.sessions() as session:
        events = session.scalars(select(Outbox.event)).all()
    assert "seat.refused" in events

    token = re.search(r'name="csrf_token" value="([^"]+)"', refused.text)
    assert token is not None
    ask = f"{world.base_url}/sso/last/request-seat"
    forged = browser.post(ask, data={"csrf_token": "forged"}, timeout=10)
    asked = [browser.post(ask, data={"csrf_token": token[1]}, timeout=10) for _ in range(2)]
    assert forged.status_code == 400
    assert [a.status_code for a in asked] == [200, 200] and "on the owners' list" in asked[1].text
    [request] = requests_of(world, "last")
    assert request.attempts == 1

    with world.sessions.begin() as session:
        purchase_seats(
            session, organization_of(session, "last"), seats=1, on=utc_today(), at=utc_now()
        )
    browser, admitted = world.sign_in("last", "eve@acme.test")

    assert admitted.status_code == 302 and admitted.headers["Location"] == PRODUCT
    assert world.me(browser, "last").json()["email"] == "eve@acme.test"
    assert [r.status for r in requests_of(world, "last")] == ["admitted"]
    assert seats_in_use(world, "last") == 3


def test_a_member_without_a_seat_cannot_take_one_when_none_is_free(world: World) -> None:
    world.organization("deact", seats=1)
    with world.sessions.begin() as session:
        organization = organization_of(session, "deact")
        gen_member(
            session,
            organization,
            "gus@acme.test",
            email="gus@acme.test",
            active=False,
            at=utc_now(),
        )
        gen_member(session, organization, "hal@acme.test", email="hal@acme.test", at=utc_now())

    browser, answer = world.sign_in("deact", "gus@acme.test")

    assert answer.status_code == 403 and "all 1 seats are in use" in text_of(answer)
    gus = next(m for m in members_of(world, "deact") if m.user_name == "gus@acme.test")
    assert not gus.active and gus.sso_subject is None
    assert seats_in_use(world, "deact") == 1
    assert world.me(browser, "deact").status_code == 401
    [request] = requests_of(world, "deact")
    assert request.member_id == gus.id


def test_a_member_the_idp_deactivated_over_scim_is_refused_and_not_reactivated(
    world: World,
) -> None:
    world.organization("idp-off", seats=3)
    with world.sessions.begin() as session:
        member = gen_member(
            session,
            organization_of(session, "idp-off"),
            "ida@acme.test",
            email="ida@acme.test",
            active=False,
            at=utc_now(),
        )
        # What the IdP's last PATCH left: its SCIM representation says inactive.
        member.scim = {"schemas": [USER], "userName": "ida@acme.test", "active": False}

    browser, answer = world.sign_in("idp-off", "ida@acme.test")

    page = text_of(answer)
    assert answer.status_code == 403 and "identity provider deactivated" in page
    assert "Request a seat" not in page
    [ida] = members_of(world, "idp-off")
    assert not ida.active and ida.sso_subject is None
    assert seats_in_use(world, "idp-off") == 0 and requests_of(world, "idp-off") == []
    assert world.me(browser, "idp-off").status_code == 401


def test_an_unknown_person_is_refused_and_remembered_when_jit_is_off(world: World) -> None:
    world.organization("nojit", seats=5, jit=False)

    _, answer = world.sign_in("nojit", "ivy@acme.test")

    assert answer.status_code == 403 and "admits only people already provisioned" in answer.text
    assert members_of(world, "nojit") == [] and seats_in_use(world, "nojit") == 0
    assert [r.identity for r in requests_of(world, "nojit")] == ["ivy@acme.test"]


def test_an_owner_signs_in_to_the_admin_pages_without_a_seat(world: World) -> None:
    world.organization("owner", seats=1)
    with world.sessions.begin() as session:
        organization = organization_of(session, "owner")
        gen_member(session, organization, "max@acme.test", at=utc_now())
        add_owner(session, organization, email="olga@acme.test", role="primary_owner", at=utc_now())

    browser, answer = world.sign_in("owner", "olga@acme.test", next="admin")
    _, stranger = world.sign_in("owner", "pat@acme.test", next="admin")

    assert answer.status_code == 302
    assert urlsplit(answer.headers["Location"]).path == "/admin/owner/billing"
    billing = browser.get(world.base_url + "/admin/owner/billing", timeout=10)
    assert billing.status_code == 200 and "olga@acme.test" in billing.text
    assert stranger.status_code == 403 and "not an owner" in stranger.text
    assert seats_in_use(world, "owner") == 1 and len(members_of(world, "owner")) == 1


def test_logout_ends_the_session_at_the_app_and_at_the_provider(world: World) -> None:
    world.organization("logout", seats=1)
    browser, _ = world.sign_in("logout", "quinn@acme.test")
    copy = requests.Session()
    copy.cookies.set("session", browser.cookies["session"])
    assert world.me(browser, "logout").status_code == 200
    confirm = browser.get(f"{world.base_url}/sso/logout/logout", timeout=10)
    assert confirm.status_code == 200 and world.me(browser, "logout").status_code == 200
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert token is not None

    out = browser.post(
        f"{world.base_url}/sso/logout/logout",
        data={"csrf_token": token[1]},
        allow_redirects=False,
        timeout=10,
    )

    end_session = out.headers["Location"]
    assert out.status_code == 302 and end_session.startswith(world.provider.issuer)
    query = parse_qs(urlsplit(end_session).query)
    assert query["client_id"] == [CLIENT_ID] and query["id_token_hint"]
    assert query["post_logout_redirect_uri"] == [f"{world.base_url}/sso/logout/signed-out"]
    back = world.provider.sign_out(browser, end_session)
    assert back.startswith(f"{world.base_url}/sso/logout/signed-out")
    assert "signed out" in browser.get(back, timeout=10).text
    assert world.me(browser, "logout").status_code == 401
    assert world.me(copy, "logout").status_code == 401


def test_a_live_session_survives_failed_and_forged_callbacks(world: World) -> None:
    world.organization("kept", seats=2)
    browser, answer = world.sign_in("kept", "kim@acme.test")
    assert answer.status_code == 302
    stranger, authorize = world.login("kept")
    strangers_answer = world.provider.sign_in(stranger, authorize, "lou@acme.test")
    own = browser.get(f"{world.base_url}/sso/kept/login", allow_redirects=False, timeout=10)
    without_pkce = re.sub(r"&code_challenge(_method)?=[^&]*", "", own.headers["Location"])

    answers = [
        browser.get(f"{world.base_url}/sso/kept/callback?state=garbage", timeout=10),
        browser.get(strangers_answer, allow_redirects=False, timeout=10),
        browser.get(
            world.provider.sign_in(browser, without_pkce, "kim@acme.test"),
            allow_redirects=False,
            timeout=10,
        ),
    ]

    assert [a.status_code for a in answers] == [400, 400, 400]
    assert "did not sign you in (invalid_request)" in answers[2].text
    assert world.me(browser, "kept").json()["email"] == "kim@acme.test"
    assert "lou@acme.test" not in {m.user_name for m in members_of(world, "kept")}


def test_an_answer_for_one_organization_delivered_to_another_is_refused(
    world: World, page: Page
) -> None:
    world.organization("mixa", seats=2)
    world.organization("mixb", seats=2)
    answer = world.held_callback(page, "mixa", "mia@acme.test")
    assert "code=" in answer and "state=" in answer

    delivered = page.goto(answer.replace("/sso/mixa/callback", "/sso/mixb/callback"))

    assert delivered is not None and delivered.status == 400
    assert "was not started here" in page.locator("#message").inner_text()
    me = page.goto(f"{world.base_url}/sso/mixb/me")
    assert me is not None and me.status == 401
    assert members_of(world, "mixb") == [] and seats_in_use(world, "mixb") == 0
    assert members_of(world, "mixa") == []


def test_the_api_hook_applies_the_same_gate(world: World) -> None:
    world.organization("api", seats=1)
    with world.sessions.begin() as session:
        _, token = issue_token(session, organization_of(session, "api"), kind="api", at=utc_now())
    url = f"{world.base_url}/api/v1/orgs/api/sign-ins"
    headers = {"Authorization": f"Bearer {token}"}
    body = {"issuer": "https://idp.example", "sub": "u1", "email": "rae@acme.test"}

    first = requests.post(url, json=body, headers=headers, timeout=10)
    again = requests.post(url, json=body, headers=headers, timeout=10)
    other = requests.post(
        url, json={**body, "sub": "u2", "email": "sam@acme.test"}, headers=headers
    )

    assert first.status_code == 200 and first.json()["seat"]["taken_now"] is True
    assert again.status_code == 200 and again.json()["seat"]["taken_now"] is False
    assert other.status_code == 403 and other.json()["reason"] == "no_seat"
    assert [r.identity for r in requests_of(world, "api")] == ["sam@acme.test"]


@pytest.fixture(scope="module")
def bad(world: World) -> World:
    """An organization with free seats, JIT on, acme.test only: every refusal is the input's."""
    world.organization("bad", seats=10)
    return world


def test_an_error_from_the_provider_shows_an_error_page(bad: World) -> None:
    browser, authorize = bad.login("bad")
    without_pkce = re.sub(r"&code_challenge(_method)?=[^&]*", "", authorize)

    callback = bad.provider.sign_in(browser, without_pkce, "wes@acme.test")
    answer = browser.get(callback, allow_redirects=False, timeout=10)

    assert "error=invalid_request" in callback
    assert answer.status_code == 400 and "did not sign you in (invalid_request)" in answer.text
    assert refused_without_a_trace(bad, browser, "wes@acme.test")


def test_a_forged_state_is_refused(bad: World) -> None:
    browser, authorize = bad.login("bad")
    callback = bad.provider.sign_in(browser, authorize, "xan@acme.test")
    forged = re.sub(r"state=[^&]+", "state=forged", callback)

    answer = browser.get(forged, allow_redirects=False, timeout=10)
    elsewhere = requests.get(callback, allow_redirects=False, timeout=10)

    assert answer.status_code == 400 and "was not started here" in answer.text
    assert elsewhere.status_code == 400
    assert refused_without_a_trace(bad, browser, "xan@acme.test")


def test_a_replayed_callback_is_refused_and_takes_no_second_seat(bad: World) -> None:
    browser, authorize = bad.login("bad")
    callback = bad.provider.sign_in(browser, authorize, "yul@acme.test")
    first = browser.get(callback, allow_redirects=False, timeout=10)
    seats = seats_in_use(bad, "bad")

    replayed = browser.get(callback, allow_redirects=False, timeout=10)

    assert first.status_code == 302 and replayed.status_code == 400
    assert "already used" in replayed.text and seats_in_use(bad, "bad") == seats
    # The refused replay leaves the session the first answer opened as it was.
    assert bad.me(browser, "bad").json()["email"] == "yul@acme.test"


def test_an_id_token_for_another_nonce_is_refused(bad: World) -> None:
    browser, authorize = bad.login("bad")
    other_nonce = re.sub(r"nonce=[^&]+", "nonce=not-the-apps", authorize)

    callback = bad.provider.sign_in(browser, other_nonce, "zoe@acme.test")
    answer = browser.get(callback, allow_redirects=False, timeout=10)

    assert answer.status_code == 400 and "ID token could not be verified" in answer.text
    assert refused_without_a_trace(bad, browser, "zoe@acme.test")


def test_an_answer_naming_another_issuer_is_refused_before_the_code_is_used(bad: World) -> None:
    browser, authorize = bad.login("bad")
    callback = bad.provider.sign_in(browser, authorize, "abe@acme.test")
    mixed_up = re.sub(r"iss=[^&]+", "iss=https%3A%2F%2Fevil.example", callback)

    answer = browser.get(mixed_up, allow_redirects=False, timeout=10)
    genuine = browser.get(callback, allow_redirects=False, timeout=10)

    assert answer.status_code == 400 and "another identity provider" in answer.text
    assert genuine.status_code == 400  # the flow was forgotten with the bad answer
    assert refused_without_a_trace(bad, browser, "abe@acme.test")


@pytest.mark.parametrize(
    ("login", "says"),
    [("vic@acme.test", "has not verified"), ("bea@other.test", "not in the domains allowed")],
)
def test_an_email_the_organization_cannot_trust_is_refused_without_a_seat_request(
    bad: World, login: str, says: str
) -> None:
    browser, answer = bad.sign_in("bad", login)

    assert answer.status_code == 403 and says in text_of(answer)
    assert "Request a seat" not in answer.text
    assert refused_without_a_trace(bad, browser, login)
    assert login not in {r.identity for r in requests_of(bad, "bad")}


def test_under_licensed_groups_the_refusal_page_says_not_licensed_and_names_the_group(
    world: World,
) -> None:
    world.organization("licensed", seats=2)
    with world.sessions.begin() as session:
        organization = organization_of(session, "licensed")
        set_policy(session, organization.id, at=utc_now(), licensed_groups=["Engineering"])
        kim = gen_member(
            session, organization, "kim@acme.test", email="kim@acme.test", at=utc_now()
        )
        lee = gen_member(
            session,
            organization,
            "lee@acme.test",
            email="lee@acme.test",
            active=False,
            at=utc_now(),
        )
        lee.active = True  # provisioned active, in no licensed group: no seat
        group = gen_group(session, organization, "Engineering")
        set_group_members(session, group, [kim.id], at=utc_now())

    _, admitted = world.sign_in("licensed", "kim@acme.test")
    browser, refused = world.sign_in("licensed", "lee@acme.test")
    _, stranger = world.sign_in("licensed", "max@acme.test")

    assert admitted.status_code == 302 and admitted.headers["Location"] == PRODUCT
    assert refused.status_code == 403
    page = text_of(refused)
    assert "not licensed" in page and "Engineering" in page
    assert "Request a seat" not in refused.text
    assert world.me(browser, "licensed").status_code == 401
    assert stranger.status_code == 403 and "not licensed" in text_of(stranger)
    with world.sessions() as session:
        members = {m.user_name: m for m in members_of(world, "licensed")}
        assert holds_seat(session, members["kim@acme.test"]) is True
        assert members["kim@acme.test"].last_sign_in_at is not None
        # lee stays active without a seat; the stranger left nothing behind.
        assert members["lee@acme.test"].active is True
        assert holds_seat(session, members["lee@acme.test"]) is False
        assert "max@acme.test" not in members
    assert requests_of(world, "licensed") == []
