"""Signed AuthnRequests and LogoutRequests, as configured, and SHA-1 signatures refused."""

from __future__ import annotations

import json
from base64 import b64decode
from collections.abc import Callable
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from flask import Flask
from saml2.md import entity_descriptor_from_string
from saml2.sigver import RSACrypto, verify_redirect_signature
from saml2.xmldsig import SIG_RSA_SHA256
from sqlalchemy.exc import IntegrityError

from scim_gateway.crypto import decrypt
from scim_gateway.sso.saml import SamlProvider
from scim_gateway.sso.saml_sp import logout_redirect
from seat_core.models import SsoConfig
from tests.api.sso import test_saml
from tests.api.sso.test_saml import PRODUCT, PUBLIC, Run, config_of
from tests.conftest import TEST_CONFIG
from tests.support.saml_idp import SamlIdp

# The SAML set-up's fixtures: its IdP, its metadata file, the CLI and the app.
idp, metadata_file, run, app_of = (
    test_saml.idp,
    test_saml.metadata_file,
    test_saml.run,
    test_saml.app_of,
)
SET = ("sso", "set-saml", "--org", "acme")


def set_up(run: Run, metadata_file: Path, *options: str) -> dict[str, object]:
    code, output = run(
        *SET,
        *("--idp-metadata-file", str(metadata_file), "--product-url", PRODUCT),
        *options,
        "--json",
    )
    assert code == 0, output
    shown: dict[str, object] = json.loads(output)
    return shown


def query_of(location: str) -> dict[str, str]:
    """The query of a redirect as pysaml2's verify_redirect_signature reads it."""
    return {name: values[0] for name, values in parse_qs(urlsplit(location).query).items()}


def verifies(location: str, certificate: str) -> bool:
    """Whether the HTTP-Redirect signature verifies against the PEM certificate (pysaml2)."""
    body = "".join(certificate.strip().splitlines()[1:-1])
    return bool(verify_redirect_signature(query_of(location), RSACrypto(None), cert=body))


def certificate_of_metadata(xml: str) -> str:
    """The one signing certificate of the SP's metadata, as PEM."""
    [sp] = entity_descriptor_from_string(xml).spsso_descriptor
    [descriptor] = sp.key_descriptor
    assert descriptor.use == "signing"
    [data] = descriptor.key_info.x509_data
    der = b64decode("".join(data.x509_certificate.text.split()))
    return x509.load_der_x509_certificate(der).public_bytes(serialization.Encoding.PEM).decode()


def test_sign_requests_makes_a_key_pair_stored_encrypted_and_shows_the_certificate(
    run: Run, metadata_file: Path, app_of: Callable[[], Flask]
) -> None:
    shown = set_up(run, metadata_file, "--sign-requests")
    _, again = run("sso", "show", "--org", "acme", "--json")

    config = config_of(app_of())
    assert config.sign_requests is True and json.loads(again)["sign_requests"] is True
    assert shown["sp_certificate"] == config.sp_certificate
    assert config.sp_key_encrypted is not None and "PRIVATE KEY" not in config.sp_key_encrypted
    key = serialization.load_pem_private_key(
        decrypt(config.sp_key_encrypted, TEST_CONFIG["ENCRYPTION_KEY"]).encode(), None
    )
    assert config.sp_certificate is not None
    certificate = x509.load_pem_x509_certificate(config.sp_certificate.encode())
    assert certificate.public_key().public_numbers() == key.public_key().public_numbers()
    assert str(shown["sp_certificate_expires"]).startswith(
        certificate.not_valid_after_utc.date().isoformat()
    )


def test_signing_turned_off_and_on_again_keeps_the_same_certificate(
    run: Run, metadata_file: Path, app_of: Callable[[], Flask]
) -> None:
    first = set_up(run, metadata_file, "--sign-requests")

    code, output = run(*SET, "--no-sign-requests")
    off = config_of(app_of())
    run(*SET, "--sign-requests")
    on = config_of(app_of())

    assert code == 0, output
    assert off.sign_requests is False and off.sp_certificate == first["sp_certificate"]
    assert on.sign_requests is True and on.sp_certificate == first["sp_certificate"]


def test_signing_is_off_by_default_with_no_key(
    run: Run, metadata_file: Path, app_of: Callable[[], Flask]
) -> None:
    shown = set_up(run, metadata_file)

    config = config_of(app_of())
    assert shown["sign_requests"] is False and shown["sp_certificate"] is None
    assert (config.sign_requests, config.sp_key_encrypted, config.sp_certificate) == (
        False,
        None,
        None,
    )


def test_the_database_refuses_signing_without_a_key(
    run: Run, metadata_file: Path, app_of: Callable[[], Flask]
) -> None:
    set_up(run, metadata_file)
    app = app_of()

    with (
        pytest.raises(IntegrityError, match=r"signing_has_key|CHECK constraint"),
        app.app_context(),
        app.extensions["db"].sessions.begin() as session,
    ):
        session.get_one(SsoConfig, 1).sign_requests = True

    assert config_of(app).sign_requests is False


def test_with_signing_the_metadata_publishes_the_certificate_and_the_login_is_signed(
    run: Run, metadata_file: Path, app_of: Callable[[], Flask]
) -> None:
    set_up(run, metadata_file, "--sign-requests")
    app = app_of()
    client = app.test_client()

    xml = client.get("/sso/acme/saml/metadata").get_data(as_text=True)
    location = client.get("/sso/acme/login").headers["Location"]

    assert 'AuthnRequestsSigned="true"' in xml
    published = certificate_of_metadata(xml)
    assert published == config_of(app).sp_certificate
    query = query_of(location)
    assert query["SigAlg"] == SIG_RSA_SHA256 and query["Signature"]
    assert verifies(location, published)
    # The same signature over another request does not verify.
    forged = location.replace("SAMLRequest=", "SAMLRequest=x", 1)
    assert not verifies(forged, published)


def test_without_signing_the_login_carries_no_signature_and_the_metadata_no_key(
    run: Run, metadata_file: Path, app_of: Callable[[], Flask]
) -> None:
    set_up(run, metadata_file)
    client = app_of().test_client()

    xml = client.get("/sso/acme/saml/metadata").get_data(as_text=True)
    query = query_of(client.get("/sso/acme/login").headers["Location"])

    assert 'AuthnRequestsSigned="false"' in xml and "KeyDescriptor" not in xml
    assert "SAMLRequest" in query and "SigAlg" not in query and "Signature" not in query


def test_with_signing_the_logout_request_is_signed(
    run: Run, metadata_file: Path, idp: SamlIdp, app_of: Callable[[], Flask]
) -> None:
    set_up(run, metadata_file, "--sign-requests")
    config = config_of(app_of())
    assert config.sp_key_encrypted is not None and config.sp_certificate is not None
    provider = SamlProvider(
        "acme",
        PUBLIC,
        idp.metadata(),
        False,
        sign_requests=True,
        sp_key=decrypt(config.sp_key_encrypted, TEST_CONFIG["ENCRYPTION_KEY"]),
        sp_certificate=config.sp_certificate,
    )
    subject = {"text": "ann@acme.test", "format": None, "session_index": "s1"}

    location = logout_redirect(provider, subject)

    assert location is not None and location.startswith(f"{idp.base_url}/slo/redirect?")
    assert query_of(location)["SigAlg"] == SIG_RSA_SHA256
    assert verifies(location, config.sp_certificate)


@pytest.mark.parametrize("signed", ["response", "assertion"])
def test_a_response_signed_with_sha1_is_refused(
    run: Run, metadata_file: Path, idp: SamlIdp, app_of: Callable[[], Flask], signed: str
) -> None:
    set_up(run, metadata_file, "--idp-initiated", "--domains", "acme.test")
    client = app_of().test_client()
    idp.trust(client.get("/sso/acme/saml/metadata").get_data(as_text=True))
    encoded = idp.response(
        "ann@acme.test",
        acs=f"{PUBLIC}/sso/acme/saml/acs",
        audience=f"{PUBLIC}/sso/acme/saml/metadata",
        in_response_to=None,
        sign_response=signed == "response",
        sign_assertion=signed == "assertion",
        sha1=True,
    )
    sha256 = idp.response(
        "bea@acme.test",
        acs=f"{PUBLIC}/sso/acme/saml/acs",
        audience=f"{PUBLIC}/sso/acme/saml/metadata",
        in_response_to=None,
        sign_response=signed == "response",
        sign_assertion=signed == "assertion",
    )

    refused = client.post("/sso/acme/saml/acs", data={"SAMLResponse": encoded, "again": "1"})
    accepted = client.post("/sso/acme/saml/acs", data={"SAMLResponse": sha256, "again": "1"})

    page = refused.get_data(as_text=True)
    assert refused.status_code == 400 and "SHA-1" in page and "Traceback" not in page
    assert accepted.status_code == 302, accepted.get_data(as_text=True)
