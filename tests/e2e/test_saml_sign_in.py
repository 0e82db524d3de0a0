"""Members sign in over SAML 2.0 at a real IdP, in Chromium and over HTTP, gated by seats."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from seat_core import add_owner, purchase_seats, usage
from seat_core.models import Event
from tests.support.saml_idp import ENTRA, OKTA

from .saml_world import SamlWorld, saml_request_of, text_of
from .sso_world import members_of, organization_of, requests_of, utc_now, utc_today

pytestmark = pytest.mark.xdist_group("saml-e2e")


@pytest.fixture(scope="module")
def world(saml_world: SamlWorld) -> SamlWorld:
    """The app under gunicorn beside the IdP, on SQLite, then on PostgreSQL."""
    return saml_world


def seats_in_use(world: SamlWorld, slug: str) -> int:
    with world.sessions() as session:
        return usage(session, organization_of(session, slug)).seats_in_use


def sign_in_in_chromium(world: SamlWorld, page: Page, slug: str, email: str) -> None:
    """Go to the sign-in, type the email at the IdP; the IdP's page posts to the ACS."""
    page.goto(f"{world.base_url}/sso/{slug}/login")
    assert page.url.startswith(world.idp.base_url + "/sso/redirect")
    page.fill("input[name=email]", email)
    page.click("button[type=submit]")
    page.wait_for_load_state()


def me_in_chromium(world: SamlWorld, page: Page, slug: str) -> dict[str, object]:
    answer = page.request.get(f"{world.base_url}/sso/{slug}/me")
    assert answer.status == 200, answer.text()
    body: dict[str, object] = answer.json()
    return body


def test_a_first_person_is_admitted_by_jit_in_chromium(
    world: SamlWorld, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    world.organization("jit", seats=2)

    sign_in_in_chromium(world, page, "jit", "ann@acme.test")

    assert page.url == world.idp.product_url and page.title() == "Product"
    me = me_in_chromium(world, page, "jit")
    assert me["email"] == "ann@acme.test" and me["holds_seat"] is True
    assert me["sso_issuer"] == world.idp.entity_id and me["sso_subject"] == "ann@acme.test"
    [ann] = members_of(world, "jit")
    assert (ann.source, ann.active, ann.display_name) == ("sso", True, "Test Person")
    assert seats_in_use(world, "jit") == 1
    screenshot(page, "product")


def test_a_second_person_is_refused_when_full_asks_for_a_seat_and_gets_in_after_a_purchase(
    world: SamlWorld, browser: Browser, screenshot: Callable[[Page, str], Path]
) -> None:
    world.organization("full", seats=1)
    _, first, _ = world.sign_in("full", "bea@acme.test")
    assert first.status_code == 302 and first.headers["Location"] == world.idp.product_url
    context = browser.new_context()
    page = context.new_page()

    sign_in_in_chromium(world, page, "full", "cal@acme.test")

    body = " ".join(page.inner_text("body").split())
    assert "No seat for you yet" in body and "all 1 seats are in use" in body
    screenshot(page, "refused")
    page.click("text=Request a seat")
    page.wait_for_load_state()
    assert "Seat requested" in page.inner_text("body")
    [request] = requests_of(world, "full")
    assert (request.identity, request.channel, request.status) == (
        "cal@acme.test",
        "sso",
        "pending",
    )
    assert "cal@acme.test" not in {m.user_name for m in members_of(world, "full")}

    with world.sessions.begin() as session:
        purchase_seats(
            session, organization_of(session, "full"), seats=1, on=utc_today(), at=utc_now()
        )
    sign_in_in_chromium(world, page, "full", "cal@acme.test")

    assert page.url == world.idp.product_url
    assert me_in_chromium(world, page, "full")["email"] == "cal@acme.test"
    assert [r.status for r in requests_of(world, "full")] == ["admitted"]
    assert seats_in_use(world, "full") == 2
    context.close()


@pytest.mark.parametrize(("names", "slug"), [(OKTA, "okta"), (ENTRA, "entra")])
def test_okta_and_entra_default_attribute_names_give_the_email_and_name(
    world: SamlWorld, names: dict[str, str], slug: str
) -> None:
    world.organization(slug, seats=3)

    browser, answer, _ = world.sign_in(
        slug, "dee@acme.test", names=names, given="Dee", surname="Ode"
    )

    assert answer.status_code == 302 and answer.headers["Location"] == world.idp.product_url
    [dee] = members_of(world, slug)
    assert (dee.email, dee.display_name) == ("dee@acme.test", "Dee Ode")
    assert world.me(browser, slug).json()["email"] == "dee@acme.test"


def test_a_response_signed_with_the_idps_second_certificate_is_accepted(world: SamlWorld) -> None:
    world.organization("rollover", seats=1)

    browser, answer, _ = world.sign_in("rollover", "eli@acme.test", next_key=True)

    assert answer.status_code == 302
    assert world.me(browser, "rollover").json()["email"] == "eli@acme.test"


def test_an_owner_reaches_the_admin_pages_through_saml_without_a_seat(world: SamlWorld) -> None:
    world.organization("owners", seats=1)
    with world.sessions.begin() as session:
        organization = organization_of(session, "owners")
        add_owner(session, organization, email="pam@acme.test", role="primary_owner", at=utc_now())
    browser, request_id = world.start("owners", next="admin")

    answer = world.post(
        browser,
        "owners",
        world.idp.response(
            "pam@acme.test",
            acs=world.acs("owners"),
            audience=world.entity_id("owners"),
            in_response_to=request_id,
        ),
    )

    assert answer.status_code == 302 and answer.headers["Location"].endswith(
        "/admin/owners/billing"
    )
    billing = browser.get(world.base_url + "/admin/owners/billing", timeout=30)
    assert billing.status_code == 200 and "pam@acme.test" in billing.text
    assert members_of(world, "owners") == [] and seats_in_use(world, "owners") == 0
    with world.sessions() as session:
        organization = organization_of(session, "owners")
        signed_in = session.scalars(
            select(Event).where(
                Event.organization_id == organization.id, Event.type == "owner.signed_in"
            )
        ).all()
    assert [(e.actor_label, e.data.get("via")) for e in signed_in] == [("pam@acme.test", "sso")]

    stranger, request_id = world.start("owners", next="admin")
    refused = world.post(
        stranger,
        "owners",
        world.idp.response(
            "quy@acme.test",
            acs=world.acs("owners"),
            audience=world.entity_id("owners"),
            in_response_to=request_id,
        ),
    )

    assert refused.status_code == 403 and "not an owner" in text_of(refused)
    with world.sessions() as session:
        failed = session.scalars(
            select(Event.subject).where(
                Event.organization_id == organization.id, Event.type == "owner.sign_in_failed"
            )
        ).all()
    assert failed == ["quy@acme.test"]


def test_logout_ends_the_session_and_sends_a_logout_request_to_the_idp(world: SamlWorld) -> None:
    world.organization("slo", seats=1)
    browser, signed_in, _ = world.sign_in("slo", "ola@acme.test")
    assert signed_in.status_code == 302 and world.me(browser, "slo").status_code == 200
    confirm = browser.get(f"{world.base_url}/sso/slo/logout", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert token is not None

    out = browser.post(
        f"{world.base_url}/sso/slo/logout",
        data={"csrf_token": token[1]},
        allow_redirects=False,
        timeout=30,
    )

    assert out.status_code == 302 and out.headers["Location"].startswith(
        world.idp.base_url + "/slo/redirect?"
    )
    request = saml_request_of(out.headers["Location"])
    assert "LogoutRequest" in request and ">ola@acme.test<" in request
    assert world.me(browser, "slo").status_code == 401
    back = browser.get(f"{world.base_url}/sso/slo/saml/slo", allow_redirects=False, timeout=30)
    assert back.status_code == 302 and back.headers["Location"].endswith("/sso/slo/signed-out")
