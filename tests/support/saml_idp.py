"""A real SAML identity provider on 127.0.0.1, built on pysaml2's IdP classes.

It signs real Responses with a key made for the test run, serves its metadata, takes
AuthnRequests by the HTTP-Redirect binding, shows a sign-in form and answers by the
HTTP-POST binding. crafted() builds Responses the gateway must refuse.
"""

from __future__ import annotations

import base64
import html
import tempfile
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from saml2 import BINDING_HTTP_REDIRECT, class_name
from saml2.assertion import Policy
from saml2.attribute_converter import AttributeConverter
from saml2.config import IdPConfig
from saml2.metadata import create_metadata_string
from saml2.saml import (
    NAME_FORMAT_UNSPECIFIED,
    NAMEID_FORMAT_EMAILADDRESS,
    NAMEID_FORMAT_PERSISTENT,
    NameID,
)
from saml2.samlp import response_from_string
from saml2.server import Server
from saml2.sigver import pre_signature_part
from saml2.xmldsig import DIGEST_SHA1, DIGEST_SHA256, SIG_RSA_SHA1, SIG_RSA_SHA256

from tests.support.ports import free_port

# Okta's attribute names as commonly configured, and Entra ID's default claim names.
OKTA = {"email": "email", "given": "firstName", "surname": "lastName"}
ENTRA = {
    "email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
    "given": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
    "surname": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
}
# The names the gateway's own documentation suggests.
PLAIN = {"email": "email", "given": "givenName", "surname": "surname"}


def make_key_pair(directory: Path, name: str, *, days: int = 365) -> tuple[Path, Path]:
    """Write a new RSA key and a self-signed certificate valid for days; return their paths."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"test idp {name}")])
    now = datetime.now(UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=days))
        .sign(key, hashes.SHA256())
    )
    key_path, cert_path = directory / f"{name}.key", directory / f"{name}.pem"
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.TraditionalOpenSSL,
            serialization.NoEncryption(),
        )
    )
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


def _policy(*, minutes: int) -> dict[str, Any]:
    return {"default": {"lifetime": {"minutes": minutes}, "name_form": NAME_FORMAT_UNSPECIFIED}}


def _names_as_they_are() -> AttributeConverter:
    """Send attribute names verbatim, as Okta and Entra ID do, not mapped to OIDs."""
    names = {name: name for mapping in (OKTA, ENTRA, PLAIN) for name in mapping.values()}
    converter = AttributeConverter(NAME_FORMAT_UNSPECIFIED)
    converter.from_dict({"identifier": NAME_FORMAT_UNSPECIFIED, "fro": names, "to": names})
    return converter


def _idp_config(
    base_url: str,
    key: tuple[Path, Path],
    extra_certs: list[Path],
    slo: bool,
    *,
    want_signed: bool = False,
) -> IdPConfig:
    endpoints: dict[str, Any] = {
        "single_sign_on_service": [(f"{base_url}/sso/redirect", BINDING_HTTP_REDIRECT)],
    }
    if slo:
        endpoints["single_logout_service"] = [(f"{base_url}/slo/redirect", BINDING_HTTP_REDIRECT)]
    config = IdPConfig()
    config.load(
        {
            "entityid": f"{base_url}/metadata",
            "service": {
                "idp": {
                    "endpoints": endpoints,
                    "name_id_format": [NAMEID_FORMAT_EMAILADDRESS],
                    "policy": _policy(minutes=5),
                    "want_authn_requests_signed": want_signed,
                }
            },
            "metadata": {"inline": []},
            "key_file": str(key[0]),
            "cert_file": str(key[1]),
            # A second certificate in the metadata: the rollover the gateway must accept.
            "additional_cert_files": [str(path) for path in extra_certs],
        }
    )
    config.attribute_converters.append(_names_as_they_are())
    return config


@dataclass
class SamlIdp:
    """A running IdP; any email typed in its form is signed in with the attributes asked."""

    base_url: str
    server: Server
    key_dir: Path
    # The same IdP signing with its second certificate, the one a rollover moves to.
    next_server: Server | None = None
    names: dict[str, str] = field(default_factory=lambda: dict(PLAIN))
    # The AuthnRequests it received, newest last: (request id, ACS URL, SP entity id).
    requests: list[tuple[str, str, str]] = field(default_factory=list)
    # Responses it posted, as base64, newest last: the material of replays.
    responses: list[str] = field(default_factory=list)
    logouts: list[str] = field(default_factory=list)
    # The same IdP with want_authn_requests_signed, reading the requests of the SPs listed in
    # signed_requests_from: an unsigned or badly signed AuthnRequest of theirs is refused.
    strict_server: Server | None = None
    signed_requests_from: set[str] = field(default_factory=set)

    @property
    def entity_id(self) -> str:
        return f"{self.base_url}/metadata"

    @property
    def product_url(self) -> str:
        """A stand-in product page, served beside the IdP."""
        return f"{self.base_url}/product"

    def metadata(self) -> str:
        """Return the IdP's metadata XML, both certificates listed for signing."""
        return bytes(
            create_metadata_string(None, config=self.server.config, valid=365 * 24)
        ).decode()

    def trust(self, sp_metadata: str) -> None:
        """Load an SP's metadata, so the IdP knows its ACS URL."""
        for server in (self.server, self.next_server, self.strict_server):
            if server is not None:
                server.metadata.load("inline", sp_metadata)

    def response(
        self,
        email: str,
        *,
        acs: str,
        audience: str,
        in_response_to: str | None,
        names: dict[str, str] | None = None,
        given: str = "Test",
        surname: str = "Person",
        sign_response: bool = True,
        sign_assertion: bool = False,
        minutes: int | None = None,
        destination: str | None = None,
        next_key: bool = False,
        sha1: bool = False,
        name_id: str | None = None,
        issued: datetime | None = None,
    ) -> str:
        """Return a signed Response (base64) for email, as the IdP makes it.

        name_id: a persistent NameID instead of the email; issued: the Assertion's
        IssueInstant, set before the Assertion alone is signed.
        """
        server = self.next_server if next_key else self.server
        assert server is not None, "started without a second key"
        names = names or self.names
        identity = {
            names["email"]: [email],
            names["given"]: [given],
            names["surname"]: [surname],
        }
        policy = None
        if minutes is not None:
            policy = Policy(_policy(minutes=minutes), server.metadata)
        subject = (
            NameID(format=NAMEID_FORMAT_EMAILADDRESS, text=email)
            if name_id is None
            else NameID(format=NAMEID_FORMAT_PERSISTENT, text=name_id)
        )
        if issued is not None:
            assert sign_assertion and not sign_response, "issued is for assertion-only signing"
            sign_assertion = False
        response = server.create_authn_response(
            identity,
            in_response_to=in_response_to,
            destination=destination or acs,
            sp_entity_id=audience,
            name_id=subject,
            sign_response=sign_response,
            sign_assertion=sign_assertion,
            authn={"class_ref": "urn:oasis:names:tc:SAML:2.0:ac:classes:Password"},
            release_policy=policy,
            sign_alg=SIG_RSA_SHA1 if sha1 else SIG_RSA_SHA256,
            digest_alg=DIGEST_SHA1 if sha1 else DIGEST_SHA256,
        )
        if issued is not None:
            response = _assertion_signed_as_issued(server, str(response), issued)
        encoded = base64.b64encode(str(response).encode()).decode()
        return encoded

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> list[bytes]:
        """Serve /metadata, /sso/redirect (the form), /sso/login (its POST), /slo/redirect
        and /product."""
        path = environ["PATH_INFO"]
        query = parse_qs(environ.get("QUERY_STRING", ""))
        if path == "/metadata":
            start_response("200 OK", [("Content-Type", "application/samlmetadata+xml")])
            return [self.metadata().encode()]
        if path == "/sso/redirect":
            request = self.server.parse_authn_request(
                query["SAMLRequest"][0], BINDING_HTTP_REDIRECT
            )
            if request.message.issuer.text in self.signed_requests_from:
                assert self.strict_server is not None
                try:
                    request = self.strict_server.parse_authn_request(
                        query["SAMLRequest"][0],
                        BINDING_HTTP_REDIRECT,
                        relay_state=query.get("RelayState", [None])[0],
                        sigalg=query.get("SigAlg", [None])[0],
                        signature=query.get("Signature", [None])[0],
                    )
                except Exception as error:
                    start_response("403 Forbidden", [("Content-Type", "text/plain")])
                    return [f"AuthnRequest refused: {type(error).__name__}".encode()]
            message = request.message
            self.requests.append(
                (message.id, message.assertion_consumer_service_url, message.issuer.text)
            )
            relay = query.get("RelayState", [""])[0]
            body = (
                "<!doctype html><title>Test IdP</title><form method=post action=/sso/login>"
                f"<input type=hidden name=request value='{html.escape(message.id)}'>"
                f"<input type=hidden name=relay value='{html.escape(relay)}'>"
                "<label>Email <input name=email></label><button type=submit>Sign in</button></form>"
            )
            start_response("200 OK", [("Content-Type", "text/html")])
            return [body.encode()]
        if path == "/sso/login":
            length = int(environ.get("CONTENT_LENGTH") or 0)
            form = parse_qs(environ["wsgi.input"].read(length).decode())
            request_id = form["request"][0]
            [(_, acs, audience)] = [r for r in self.requests if r[0] == request_id]
            encoded = self.response(
                form["email"][0], acs=acs, audience=audience, in_response_to=request_id
            )
            self.responses.append(encoded)
            relay = form.get("relay", [""])[0]
            body = (
                "<!doctype html><title>Signing in</title>"
                f"<form id=post method=post action='{html.escape(acs)}'>"
                f"<input type=hidden name=SAMLResponse value='{encoded}'>"
                f"<input type=hidden name=RelayState value='{html.escape(relay)}'>"
                "<button type=submit>Continue</button></form>"
                "<script>document.getElementById('post').submit()</script>"
            )
            start_response("200 OK", [("Content-Type", "text/html")])
            return [body.encode()]
        if path == "/product":
            # A stand-in for the product members land on after signing in.
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<!doctype html><title>Product</title><p>Signed in to the product"]
        if path == "/slo/redirect":
            self.logouts.append(environ.get("QUERY_STRING", ""))
            start_response("200 OK", [("Content-Type", "text/html")])
            return [b"<!doctype html><title>Signed out at the IdP</title><p>Signed out at the IdP"]
        start_response("404 Not Found", [("Content-Type", "text/plain")])
        return [b"not found"]


def _assertion_signed_as_issued(server: Server, xml: str, issued: datetime) -> str:
    """Set the IssueInstant of the Response's Assertion, then sign that Assertion alone."""
    parsed = response_from_string(xml)
    [assertion] = parsed.assertion
    assertion.issue_instant = issued.strftime("%Y-%m-%dT%H:%M:%SZ")
    assertion.signature = pre_signature_part(
        assertion.id, server.sec.my_cert, 1, sign_alg=SIG_RSA_SHA256, digest_alg=DIGEST_SHA256
    )
    return str(server.sec.sign_statement(str(parsed), class_name(assertion), node_id=assertion.id))


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextmanager
def start_saml_idp(
    *, slo: bool = True, rollover: bool = True, current_days: int = 365
) -> Iterator[SamlIdp]:
    """Run the IdP on a free loopback port; it signs with the first of its two keys."""
    with tempfile.TemporaryDirectory() as directory:
        key_dir = Path(directory)
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        current = make_key_pair(key_dir, "current", days=current_days)
        server = Server(config=_idp_config(base_url, current, [], slo))
        next_server = None
        following_certs: list[Path] = []
        if rollover:
            following = make_key_pair(key_dir, "next", days=current_days + 365)
            following_certs = [following[1]]
            server = Server(config=_idp_config(base_url, current, following_certs, slo))
            next_server = Server(config=_idp_config(base_url, following, [current[1]], slo))
        strict = Server(
            config=_idp_config(base_url, current, following_certs, slo, want_signed=True)
        )
        idp = SamlIdp(base_url, server, key_dir, next_server=next_server, strict_server=strict)
        httpd: WSGIServer = make_server("127.0.0.1", port, idp.wsgi, handler_class=_Quiet)
        thread = threading.Thread(target=httpd.serve_forever, daemon=True)
        thread.start()
        try:
            yield idp
        finally:
            httpd.shutdown()
            httpd.server_close()
