"""An IdP that wants signed AuthnRequests lets members in only when the gateway signs them."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
import requests
from playwright.sync_api import Page
from saml2.md import entity_descriptor_from_string
from saml2.sigver import RSACrypto, verify_redirect_signature

from .saml_world import SamlWorld, saml_request_of
from .sso_world import members_of

pytestmark = pytest.mark.xdist_group("saml-e2e")


@pytest.fixture(scope="module")
def world(saml_world: SamlWorld) -> SamlWorld:
    """The app under gunicorn beside the IdP, on SQLite, then on PostgreSQL."""
    return saml_world


def test_a_signed_authn_request_is_accepted_by_an_idp_that_wants_it_in_chromium(
    world: SamlWorld, page: Page, screenshot: Callable[[Page, str], Path]
) -> None:
    world.organization("signed", seats=2, sign_requests=True, idp_wants_signed=True)

    page.goto(f"{world.base_url}/sso/signed/login")
    query = parse_qs(urlsplit(page.url).query)
    page.fill("input[name=email]", "ann@acme.test")
    page.click("button[type=submit]")
    page.wait_for_load_state()

    assert query["SigAlg"] == ["http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"]
    assert page.url == world.idp.product_url and page.title() == "Product"
    assert world.idp.requests[-1][2] == world.entity_id("signed")
    [ann] = members_of(world, "signed")
    assert (ann.user_name, ann.source, ann.active) == ("ann@acme.test", "sso", True)
    screenshot(page, "product")


def test_an_unsigned_authn_request_is_refused_by_an_idp_that_wants_it_signed(
    world: SamlWorld,
) -> None:
    world.organization("unsigned-request", seats=2, idp_wants_signed=True)
    browser = requests.Session()

    sent = browser.get(
        f"{world.base_url}/sso/unsigned-request/login", allow_redirects=False, timeout=30
    )
    at_idp = browser.get(sent.headers["Location"], timeout=30)

    assert "Signature" not in parse_qs(urlsplit(sent.headers["Location"]).query)
    assert at_idp.status_code == 403 and "AuthnRequest refused" in at_idp.text
    assert members_of(world, "unsigned-request") == []


def test_the_logout_request_is_signed_with_the_published_certificate(world: SamlWorld) -> None:
    world.organization("signed-slo", seats=1, sign_requests=True, idp_wants_signed=True)
    browser, signed_in, _ = world.sign_in("signed-slo", "ola@acme.test")
    assert signed_in.status_code == 302, signed_in.text
    confirm = browser.get(f"{world.base_url}/sso/signed-slo/logout", timeout=30)
    token = re.search(r'name="csrf_token" value="([^"]+)"', confirm.text)
    assert token is not None
    metadata = requests.get(world.entity_id("signed-slo"), timeout=30).text
    [sp] = entity_descriptor_from_string(metadata).spsso_descriptor
    [data] = sp.key_descriptor[0].key_info.x509_data
    certificate = "".join(data.x509_certificate.text.split())

    out = browser.post(
        f"{world.base_url}/sso/signed-slo/logout",
        data={"csrf_token": token[1]},
        allow_redirects=False,
        timeout=30,
    )

    location = out.headers["Location"]
    assert out.status_code == 302 and location.startswith(world.idp.base_url + "/slo/redirect?")
    assert "LogoutRequest" in saml_request_of(location)
    query = {k: v[0] for k, v in parse_qs(urlsplit(location).query).items()}
    assert query["SigAlg"] == "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
    assert verify_redirect_signature(query, RSACrypto(None), cert=certificate)
    query["RelayState"] = "altered"
    assert not verify_redirect_signature(query, RSACrypto(None), cert=certificate)
