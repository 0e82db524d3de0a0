"""Members sign in over SAML 2.0 at a real IdP, in Chromium and over HTTP, gated by seats."""

from __future__ import annotations

import base64
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import requests
from playwright.sync_api import Browser, Page
from sqlalchemy import select

from seat_core import add_owner, purchase_seats, usage
from seat_core.models import Event
from tests.support.saml_idp import ENTRA, OKTA, SamlIdp, start_saml_idp

from .saml_world import (
    SamlWorld,
    members_of,
    organization_of,
    requests_of,
    saml_request_of,
    text_of,
    world_of,
)
from .sso_world import utc_now, utc_today

pytestmark = pytest.mark.xdist_group("saml-e2e")


@pytest.fixture(scope="module")
def idp() -> Iterator[SamlIdp]:
    with start_saml_idp() as running:
        yield running


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, idp: SamlIdp, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SamlWorld]:
    """Run the app under gunicorn on SQLite, then on PostgreSQL, beside the IdP."""
    yield from world_of(request.param, tmp_path_factory.mktemp(request.param), idp)


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


def refused_clearly(world: SamlWorld, answer: requests.Response, message: str, why: str) -> None:
    """Assert a 400 page saying message, no traceback, and the log saying why."""
    assert answer.status_code == 400, answer.text
    assert "text/html" in answer.headers["Content-Type"]
    page = text_of(answer)
    assert re.search(message, page) and "Sign in again" in page
    assert "Traceback" not in answer.text and "saml2" not in answer.text
    logged = world.logged()
    assert re.search(why, logged), f"the log does not say {why!r}"
    assert "Traceback" not in logged


def test_a_replayed_response_is_refused(world: SamlWorld) -> None:
    world.organization("replay", seats=3)
    browser, first, encoded = world.sign_in("replay", "fay@acme.test")
    assert first.status_code == 302

    again = world.post(browser, "replay", encoded)
    elsewhere = world.post(requests.Session(), "replay", encoded)

    refused_clearly(world, again, "not started in this browser", "Unsolicited")
    refused_clearly(world, elsewhere, "not started in this browser", "Unsolicited")
    assert [m.user_name for m in members_of(world, "replay")] == ["fay@acme.test"]


def test_a_replayed_response_is_refused_by_the_cache_where_idp_initiated_is_on(
    world: SamlWorld,
) -> None:
    world.organization("replay-open", seats=3, idp_initiated=True)
    unsolicited = world.idp.response(
        "gil@acme.test",
        acs=world.acs("replay-open"),
        audience=world.entity_id("replay-open"),
        in_response_to=None,
    )

    first = world.post(requests.Session(), "replay-open", unsolicited)
    again = world.post(requests.Session(), "replay-open", unsolicited)

    assert first.status_code == 302 and first.headers["Location"] == world.idp.product_url
    refused_clearly(world, again, "already used", "replayed assertion")
    assert [m.user_name for m in members_of(world, "replay-open")] == ["gil@acme.test"]


def test_a_sign_in_started_at_the_idp_is_refused_by_default(world: SamlWorld) -> None:
    world.organization("closed", seats=3)
    unsolicited = world.idp.response(
        "hal@acme.test",
        acs=world.acs("closed"),
        audience=world.entity_id("closed"),
        in_response_to=None,
    )

    answer = world.post(requests.Session(), "closed", unsolicited)

    refused_clearly(world, answer, "started at the identity provider is not allowed", "Unsolic")
    assert members_of(world, "closed") == []


def test_an_unsigned_response_is_refused(world: SamlWorld) -> None:
    world.organization("unsigned", seats=3)

    _, answer, _ = world.sign_in(
        "unsigned", "ian@acme.test", sign_response=False, sign_assertion=False
    )

    refused_clearly(world, answer, "not signed", "Neither the response nor the assertions")
    assert members_of(world, "unsigned") == []


def test_a_response_for_another_audience_is_refused(world: SamlWorld) -> None:
    world.organization("audience", seats=3)
    other = "https://other.example/sp"
    metadata = requests.get(world.entity_id("audience"), timeout=30).text
    world.idp.trust(metadata.replace(world.entity_id("audience"), other))
    browser, request_id = world.start("audience")

    answer = world.post(
        browser,
        "audience",
        world.idp.response(
            "jo@acme.test", acs=world.acs("audience"), audience=other, in_response_to=request_id
        ),
    )

    refused_clearly(world, answer, "could not be verified", "AudienceRestrictions")
    assert members_of(world, "audience") == []


def test_an_expired_assertion_is_refused(world: SamlWorld) -> None:
    world.organization("expired", seats=3)

    _, answer, _ = world.sign_in("expired", "kim@acme.test", minutes=-10)

    refused_clearly(world, answer, "has expired", "expired")
    assert members_of(world, "expired") == []


def test_org_a_response_posted_to_org_b_acs_is_refused(world: SamlWorld) -> None:
    world.organization("orga", seats=3)
    world.organization("orgb", seats=3)
    browser, request_a = world.start("orga")
    world.start("orgb", browser)
    for_a = world.idp.response(
        "lee@acme.test",
        acs=world.acs("orga"),
        audience=world.entity_id("orga"),
        in_response_to=request_a,
    )

    answer = world.post(browser, "orgb", for_a)

    refused_clearly(world, answer, "meant for another address", "Destination .*orga.* is not")
    assert members_of(world, "orgb") == [] and members_of(world, "orga") == []


def test_a_response_with_an_external_entity_is_refused(world: SamlWorld) -> None:
    world.organization("xxe", seats=3)
    browser, request_id = world.start("xxe")
    xml = base64.b64decode(
        world.idp.response(
            "mo@acme.test",
            acs=world.acs("xxe"),
            audience=world.entity_id("xxe"),
            in_response_to=request_id,
        )
    ).decode()
    body = xml.split("?>", 1)[1]
    hostile = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        + body.replace(">mo@acme.test<", ">&x;<", 1)
    )

    answer = world.post(browser, "xxe", base64.b64encode(hostile.encode()).decode())

    refused_clearly(world, answer, "could not be verified", "EntitiesForbidden|DTDForbidden")
    assert "root:" not in answer.text and members_of(world, "xxe") == []


def test_a_wrapped_signature_is_refused(world: SamlWorld) -> None:
    world.organization("xsw", seats=3)
    browser, request_id = world.start("xsw")
    xml = base64.b64decode(
        world.idp.response(
            "ned@acme.test",
            acs=world.acs("xsw"),
            audience=world.entity_id("xsw"),
            in_response_to=request_id,
            sign_response=False,
            sign_assertion=True,
        )
    ).decode()
    # The signed assertion stays as it is; an unsigned one for someone else goes before it.
    [signed] = re.findall(r"<ns1:Assertion\b.*?</ns1:Assertion>", xml, re.S)
    evil = re.sub(r"<ns2:Signature\b.*?</ns2:Signature>", "", signed, flags=re.S)
    evil = re.sub(r'ID="[^"]+"', 'ID="_evil"', evil, count=1).replace(
        "ned@acme.test", "oz@acme.test"
    )
    wrapped = xml.replace(signed, evil + signed)

    answer = world.post(browser, "xsw", base64.b64encode(wrapped.encode()).decode())

    refused_clearly(world, answer, "could not be verified", "Invalid number of assertions")
    assert members_of(world, "xsw") == []


def test_a_signed_assertion_hidden_in_extensions_does_not_vouch_for_another(
    world: SamlWorld,
) -> None:
    world.organization("xsw-hidden", seats=3)
    browser, request_id = world.start("xsw-hidden")
    xml = base64.b64decode(
        world.idp.response(
            "pia@acme.test",
            acs=world.acs("xsw-hidden"),
            audience=world.entity_id("xsw-hidden"),
            in_response_to=request_id,
            sign_response=False,
            sign_assertion=True,
        )
    ).decode()
    # The signed assertion moves into the Response's Extensions; an unsigned copy for
    # someone else, under the same ID, takes its place.
    [signed] = re.findall(r"<ns1:Assertion\b.*?</ns1:Assertion>", xml, re.S)
    evil = re.sub(r"<ns2:Signature\b.*?</ns2:Signature>", "", signed, flags=re.S)
    evil = evil.replace("pia@acme.test", "rex@acme.test")
    status = re.search(r"<ns0:Status>", xml)
    assert status is not None
    moved = xml.replace(signed, evil)
    moved = moved.replace(
        "<ns0:Status>", f"<ns0:Extensions>{signed}</ns0:Extensions><ns0:Status>", 1
    )

    answer = world.post(browser, "xsw-hidden", base64.b64encode(moved.encode()).decode())

    refused_clearly(world, answer, "not signed", "Neither the response nor the assertions")
    assert members_of(world, "xsw-hidden") == []


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
