"""Every SAML Response that does not prove who the person is gets a clear page and a log line."""

from __future__ import annotations

import base64
import re

import pytest
import requests

from .saml_world import SamlWorld, text_of
from .sso_world import members_of

pytestmark = pytest.mark.xdist_group("saml-e2e")


@pytest.fixture(scope="module")
def world(saml_world: SamlWorld) -> SamlWorld:
    """The app under gunicorn beside the IdP, on SQLite, then on PostgreSQL."""
    return saml_world


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


def assertion_signed_alone(
    world: SamlWorld, slug: str, email: str
) -> tuple[requests.Session, str, str, str]:
    """Start a sign-in at slug; return the browser, the Response for email with only its
    assertion signed, that assertion, and a copy of it without the signature."""
    world.organization(slug, seats=3)
    browser, request_id = world.start(slug)
    xml = base64.b64decode(
        world.idp.response(
            email,
            acs=world.acs(slug),
            audience=world.entity_id(slug),
            in_response_to=request_id,
            sign_response=False,
            sign_assertion=True,
        )
    ).decode()
    [signed] = re.findall(r"<ns1:Assertion\b.*?</ns1:Assertion>", xml, re.S)
    unsigned = re.sub(r"<ns2:Signature\b.*?</ns2:Signature>", "", signed, flags=re.S)
    return browser, xml, signed, unsigned


def test_a_wrapped_signature_is_refused(world: SamlWorld) -> None:
    browser, xml, signed, evil = assertion_signed_alone(world, "xsw", "ned@acme.test")
    # The signed assertion stays as it is; an unsigned one for someone else goes before it.
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
    browser, xml, signed, evil = assertion_signed_alone(world, "xsw-hidden", "pia@acme.test")
    # The signed assertion moves into the Response's Extensions; an unsigned copy for
    # someone else, under the same ID, takes its place.
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


@pytest.mark.parametrize("signed", ["response", "assertion"])
def test_a_response_signed_with_sha1_is_refused(world: SamlWorld, signed: str) -> None:
    slug = f"sha1-{signed}"
    world.organization(slug, seats=3)

    _, answer, _ = world.sign_in(
        slug,
        "lea@acme.test",
        sign_response=signed == "response",
        sign_assertion=signed == "assertion",
        sha1=True,
    )

    # Signing in again cannot help: the page says whom to tell instead.
    assert answer.status_code == 400 and "text/html" in answer.headers["Content-Type"]
    page = text_of(answer)
    assert "signed its answer with SHA-1" in page and "Tell the operator" in page
    assert "Traceback" not in answer.text and "saml2" not in answer.text
    assert re.search(r"SHA-1 signature \(.*xmldsig#(rsa-)?sha1", world.logged())
    assert members_of(world, slug) == []


def test_an_edited_response_issuer_cannot_take_over_a_linked_member(world: SamlWorld) -> None:
    world.organization("takeover", seats=3)
    alone = {"sign_response": False, "sign_assertion": True}
    _, first, _ = world.sign_in("takeover", "recycled@acme.test", name_id="old-id-1", **alone)
    _, conflict, _ = world.sign_in("takeover", "recycled@acme.test", name_id="new-id-2", **alone)
    browser, request_id = world.start("takeover")
    xml = base64.b64decode(
        world.idp.response(
            "recycled@acme.test",
            acs=world.acs("takeover"),
            audience=world.entity_id("takeover"),
            in_response_to=request_id,
            name_id="new-id-2",
            **alone,
        )
    ).decode()
    # The Response's own Issuer, which no signature covers when only the Assertion is signed.
    edited = xml.replace(
        f">{world.idp.entity_id}</ns1:Issuer><ns0:Status>",
        ">http://evil.example/idp</ns1:Issuer><ns0:Status>",
        1,
    )
    assert edited != xml

    answer = world.post(browser, "takeover", base64.b64encode(edited.encode()).decode())

    assert first.status_code == 302 and conflict.status_code == 403
    refused_clearly(world, answer, "could not be verified", "Response Issuer .*evil.example")
    [member] = members_of(world, "takeover")
    assert (member.sso_issuer, member.sso_subject) == (world.idp.entity_id, "old-id-1")
    assert world.me(browser, "takeover").status_code == 401
