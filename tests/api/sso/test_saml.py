"""SAML set-up by `sso set-saml`, the SP's routes, and the certificate's expiry for owners."""

from __future__ import annotations

import json
import re
import zlib
from base64 import b64decode
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from flask import Flask
from sqlalchemy import select

from scim_gateway import create_app
from scim_gateway.sso.idp_metadata import read_metadata
from scim_gateway.sso.saml import SamlProvider
from scim_gateway.sso.saml_sp import logout_redirect
from seat_core import notify_certificates
from seat_core.models import Event, Organization, Outbox, SignInFlow, SsoConfig
from seat_core.web_sessions import hash_key
from tests.api.admin.conftest import CHEAP_HASH, PRIMARY, sign_in
from tests.api.sso.cli import Run, acme_cli
from tests.conftest import app_config
from tests.factories import gen_owner
from tests.support.saml_idp import SamlIdp, start_saml_idp

PUBLIC = "https://seats.example"
PRODUCT = "https://product.example/acme"


@pytest.fixture(scope="module")
def idp() -> Iterator[SamlIdp]:
    with start_saml_idp(current_days=20) as running:
        yield running


@pytest.fixture
def metadata_file(idp: SamlIdp, tmp_path: Path) -> Path:
    path = tmp_path / "idp.xml"
    path.write_text(idp.metadata())
    return path


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run a command against a database with the organization acme; return (code, output)."""
    return acme_cli(database_url, PUBLIC, monkeypatch)


@pytest.fixture
def app_of(database_url: str) -> Iterator[Callable[[], Flask]]:
    apps: list[Flask] = []

    def make() -> Flask:
        apps.append(create_app({**app_config(database_url), "PUBLIC_URL": PUBLIC}))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["db"].dispose()


def config_of(app: Flask) -> SsoConfig:
    with app.app_context(), app.extensions["db"].sessions() as session:
        config = session.get_one(SsoConfig, 1)
        session.expunge(config)
        return config


def test_set_saml_stores_the_metadata_and_show_prints_the_sp_urls(
    run: Run, metadata_file: Path, idp: SamlIdp, app_of: Callable[[], Flask]
) -> None:
    code, output = run(
        *("sso", "set-saml", "--org", "acme", "--idp-metadata-file", str(metadata_file)),
        *("--domains", "acme.test", "--product-url", PRODUCT, "--json"),
    )
    _, shown_again = run("sso", "show", "--org", "acme", "--json")

    assert code == 0, output
    shown = json.loads(shown_again)
    assert shown["protocol"] == "saml" and shown["idp_initiated"] is False
    assert shown["sp_entity_id"] == f"{PUBLIC}/sso/acme/saml/metadata"
    assert shown["metadata_url"] == f"{PUBLIC}/sso/acme/saml/metadata"
    assert shown["acs_url"] == f"{PUBLIC}/sso/acme/saml/acs"
    assert shown["idp_entity_id"] == idp.entity_id
    config = config_of(app_of())
    assert (config.protocol, config.issuer, config.jit) == ("saml", idp.entity_id, True)
    assert config.saml_metadata == idp.metadata() and config.client_id is None
    # The later of the two certificates: the rollover's, valid for 385 days.
    assert config.idp_cert_expires_at is not None
    left = config.idp_cert_expires_at - datetime.now(UTC)
    assert timedelta(days=383) < left < timedelta(days=386)
    app = app_of()
    with app.app_context(), app.extensions["db"].sessions() as session:
        [event] = session.scalars(select(Event).where(Event.type == "sso.configured")).all()
    assert event.subject == idp.entity_id
    assert (event.data["protocol"], event.data["idp_initiated"]) == ("saml", False)
    assert "saml_metadata" not in event.data


def test_set_saml_switches_idp_initiated_and_keeps_what_is_not_given(
    run: Run, metadata_file: Path, app_of: Callable[[], Flask]
) -> None:
    run(
        *("sso", "set-saml", "--org", "acme", "--idp-metadata-file", str(metadata_file)),
        *("--product-url", PRODUCT),
    )

    code, output = run("sso", "set-saml", "--org", "acme", "--idp-initiated", "--no-jit")

    assert code == 0, output
    config = config_of(app_of())
    assert (config.idp_initiated, config.jit, config.product_url) == (True, False, PRODUCT)


@pytest.mark.parametrize(
    ("xml", "says"),
    [
        ("<not-metadata/>", "describe one IdP, not 0"),
        (
            '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><m>&x;</m>',
            "not SAML metadata",
        ),
    ],
)
def test_set_saml_refuses_metadata_it_cannot_use_and_stores_nothing(
    run: Run, tmp_path: Path, xml: str, says: str, app_of: Callable[[], Flask]
) -> None:
    path = tmp_path / "bad.xml"
    path.write_text(xml)

    code, output = run(
        "sso",
        "set-saml",
        "--org",
        "acme",
        "--idp-metadata-file",
        str(path),
        "--product-url",
        PRODUCT,
    )

    assert code != 0 and says in output
    app = app_of()
    with app.app_context(), app.extensions["db"].sessions() as session:
        assert session.get(SsoConfig, 1) is None


def test_set_saml_fetches_metadata_only_from_an_allowed_address(
    run: Run, idp: SamlIdp, monkeypatch: pytest.MonkeyPatch, app_of: Callable[[], Flask]
) -> None:
    args = ("sso", "set-saml", "--org", "acme", "--idp-metadata-url", f"{idp.base_url}/metadata")

    refused, said = run(*args, "--product-url", PRODUCT)
    monkeypatch.setenv("SCIM_GATEWAY_WEBHOOK_ALLOWED_NETWORKS", "127.0.0.1/32")
    fetched, output = run(*args, "--product-url", PRODUCT, "--json")

    assert refused != 0 and "loopback" in said
    assert fetched == 0, output
    assert json.loads(output)["idp_metadata_url"] == f"{idp.base_url}/metadata"
    assert config_of(app_of()).saml_metadata_url == f"{idp.base_url}/metadata"


def test_set_saml_wants_the_metadata_once_and_from_one_place(run: Run, metadata_file: Path) -> None:
    both = run(
        *("sso", "set-saml", "--org", "acme", "--idp-metadata-file", str(metadata_file)),
        *("--idp-metadata-url", "https://idp.example/md", "--product-url", PRODUCT),
    )
    neither = run("sso", "set-saml", "--org", "acme", "--product-url", PRODUCT)

    assert both[0] != 0 and "not both" in both[1]
    assert neither[0] != 0 and "--idp-metadata-file or --idp-metadata-url" in neither[1]


def test_set_back_to_oidc_drops_the_saml_metadata(
    run: Run, metadata_file: Path, app_of: Callable[[], Flask]
) -> None:
    run(
        *("sso", "set-saml", "--org", "acme", "--idp-metadata-file", str(metadata_file)),
        *("--product-url", PRODUCT),
    )

    code, output = run(
        *("sso", "set", "--org", "acme", "--issuer", "https://idp.example"),
        *("--client-id", "c1", "--client-secret-stdin"),
        input="s3cret\n",
    )

    assert code == 0, output
    config = config_of(app_of())
    assert (config.protocol, config.client_id, config.saml_metadata) == ("oidc", "c1", None)


@pytest.fixture
def saml_app(run: Run, metadata_file: Path, idp: SamlIdp, app_of: Callable[[], Flask]) -> Flask:
    code, output = run(
        *("sso", "set-saml", "--org", "acme", "--idp-metadata-file", str(metadata_file)),
        *("--domains", "acme.test", "--product-url", PRODUCT),
    )
    assert code == 0, output
    return app_of()


def test_the_sp_metadata_names_the_entity_id_acs_and_logout(saml_app: Flask) -> None:
    answer = saml_app.test_client().get("/sso/acme/saml/metadata")

    assert answer.status_code == 200
    assert answer.mimetype == "application/samlmetadata+xml"
    xml = answer.get_data(as_text=True)
    assert f'entityID="{PUBLIC}/sso/acme/saml/metadata"' in xml
    post = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    assert f'Binding="{post}" Location="{PUBLIC}/sso/acme/saml/acs"' in xml
    assert f'Location="{PUBLIC}/sso/acme/saml/slo"' in xml


def test_login_redirects_with_an_authn_request_whose_id_the_browser_flow_keeps(
    saml_app: Flask, idp: SamlIdp
) -> None:
    client = saml_app.test_client()

    answer = client.get("/sso/acme/login?next=admin")

    assert answer.status_code == 302
    location = answer.headers["Location"]
    assert location.startswith(f"{idp.base_url}/sso/redirect?")
    [encoded] = parse_qs(urlsplit(location).query)["SAMLRequest"]
    request = zlib.decompress(b64decode(encoded), -15).decode()
    request_id = re.search(r' ID="([^"]+)"', request)
    assert request_id is not None
    assert f'AssertionConsumerServiceURL="{PUBLIC}/sso/acme/saml/acs"' in request
    with client.session_transaction() as session:
        [state] = session["sso_flows"]
    with saml_app.app_context(), saml_app.extensions["db"].sessions() as db:
        flow = db.get_one(SignInFlow, hash_key(state))
        assert (flow.nonce, flow.next, flow.used_at) == (request_id[1], "admin", None)


def test_a_response_posted_without_the_cookie_is_posted_again_from_the_gateway(
    saml_app: Flask,
) -> None:
    answer = saml_app.test_client().post(
        "/sso/acme/saml/acs", data={"SAMLResponse": "PHg+", "RelayState": "r"}
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 200 and 'id="again"' in page
    assert 'action="/sso/acme/saml/acs"' in page and 'name="again" value="1"' in page
    assert 'name="SAMLResponse" value="PHg+"' in page


def test_an_unreadable_response_is_a_clear_page(saml_app: Flask) -> None:
    answer = saml_app.test_client().post(
        "/sso/acme/saml/acs", data={"SAMLResponse": "bm90IHhtbA==", "again": "1"}
    )

    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "could not be verified" in page
    assert "Traceback" not in page


def test_the_oidc_callback_of_a_saml_organization_is_refused(saml_app: Flask) -> None:
    answer = saml_app.test_client().get("/sso/acme/callback?state=x&code=y")

    assert answer.status_code == 404 and "signs in with SAML" in answer.get_data(as_text=True)


def test_owners_see_the_certificate_expiry_and_an_alert_within_30_days(
    saml_app: Flask,
) -> None:
    at = datetime.now(UTC)
    with saml_app.app_context(), saml_app.extensions["db"].sessions.begin() as db:
        acme = db.get_one(Organization, db.get_one(SsoConfig, 1).organization_id)
        gen_owner(db, acme, PRIMARY, password_hash=CHEAP_HASH)
    client = saml_app.test_client()
    assert sign_in(client).status_code == 302

    later = client.get("/admin/acme/billing").get_data(as_text=True)
    with saml_app.app_context(), saml_app.extensions["db"].sessions.begin() as db:
        config = db.get_one(SsoConfig, 1)
        config.idp_cert_expires_at = at + timedelta(days=20)
    soon = client.get("/admin/acme/billing").get_data(as_text=True)
    with saml_app.app_context(), saml_app.extensions["db"].sessions.begin() as db:
        written = [notify_certificates(db, at=at), notify_certificates(db, at=at)]
    with saml_app.app_context(), saml_app.extensions["db"].sessions() as db:
        [alert] = db.query(Outbox).filter(Outbox.event == "sso.certificate_expiring").all()

    assert 'id="saml-certificate-expires"' in later and "saml-certificate-alert" not in later
    assert "within 30 days" in soon and 'id="saml-certificate-alert"' in soon
    assert written == [1, 0]
    assert alert.payload["days_left"] in (19, 20)


def test_read_metadata_lists_both_certificates_and_the_logout_endpoint() -> None:
    with start_saml_idp(current_days=20) as with_slo, start_saml_idp(slo=False) as without:
        rollover = read_metadata(with_slo.metadata())
        plain = read_metadata(without.metadata())
        subject = {"text": "ann@acme.test", "format": None, "session_index": "s1"}
        logouts = [
            logout_redirect(SamlProvider(slug, PUBLIC, idp.metadata(), False), subject)
            for slug, idp in (("with", with_slo), ("without", without))
        ]

    assert rollover.entity_id == with_slo.entity_id and rollover.single_logout is True
    now = datetime.now(UTC)
    first, last = rollover.certificates_expire
    assert timedelta(days=19) < first - now < timedelta(days=21)
    assert timedelta(days=384) < last - now < timedelta(days=386)
    assert rollover.last_expiry == last
    assert plain.single_logout is False and len(plain.certificates_expire) == 2
    assert logouts[0] is not None and logouts[0].startswith(f"{with_slo.base_url}/slo/redirect?")
    assert logouts[1] is None
