"""The world the SAML end-to-end tests share: a real SAML IdP, gunicorn, SQLite or PostgreSQL."""

from __future__ import annotations

import base64
import re
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from html import unescape
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import requests
from sqlalchemy.orm import Session, sessionmaker

from scim_gateway.crypto import encrypt
from scim_gateway.sso.saml_keys import new_key_pair
from seat_core import make_engine, make_sessionmaker
from seat_core.models import SsoConfig
from tests.conftest import TEST_CONFIG
from tests.databases import fresh_sqlite, migrated_sqlite_template, postgres_database
from tests.factories import gen_organization
from tests.support.ports import free_port
from tests.support.saml_idp import SamlIdp
from tests.support.servers import start_gunicorn

from .sso_world import START

KEY = TEST_CONFIG["ENCRYPTION_KEY"]


@dataclass
class SamlWorld:
    """The app under gunicorn, the IdP, the database they share and the app's log."""

    base_url: str
    idp: SamlIdp
    sessions: sessionmaker[Session]
    log_path: Path

    def acs(self, slug: str) -> str:
        return f"{self.base_url}/sso/{slug}/saml/acs"

    def entity_id(self, slug: str) -> str:
        return f"{self.base_url}/sso/{slug}/saml/metadata"

    def organization(self, slug: str, seats: int, **options: Any) -> None:
        """Create an organization signing in at the test IdP, and make the IdP trust it.

        sign_requests=True gives it a key pair to sign its requests with; idp_wants_signed=True
        makes the IdP refuse its AuthnRequests unless they are signed.
        """
        key = certificate = None
        if options.get("sign_requests"):
            key, certificate = new_key_pair(f"{slug} SAML SP")
        with self.sessions.begin() as session:
            organization = gen_organization(session, slug=slug, seats=seats, start=START)
            session.add(
                SsoConfig(
                    organization_id=organization.id,
                    protocol="saml",
                    issuer=self.idp.entity_id,
                    saml_metadata=self.idp.metadata(),
                    allowed_domains=options.get("domains", "acme.test"),
                    jit=options.get("jit", True),
                    idp_initiated=options.get("idp_initiated", False),
                    sign_requests=bool(options.get("sign_requests")),
                    sp_key_encrypted=encrypt(key, KEY) if key else None,
                    sp_certificate=certificate,
                    product_url=self.idp.product_url,
                    updated_at=datetime.now(UTC),
                )
            )
        metadata = requests.get(self.entity_id(slug), timeout=30)
        assert metadata.status_code == 200, metadata.text
        self.idp.trust(metadata.text)
        if options.get("idp_wants_signed"):
            self.idp.signed_requests_from.add(self.entity_id(slug))

    def start(
        self, slug: str, browser: requests.Session | None = None, **params: str
    ) -> tuple[requests.Session, str]:
        """Start a sign-in at the app; return the browser and the AuthnRequest's id."""
        browser = browser or requests.Session()
        answer = browser.get(
            f"{self.base_url}/sso/{slug}/login", params=params, allow_redirects=False, timeout=30
        )
        assert answer.status_code == 302, answer.text
        location = answer.headers["Location"]
        assert location.startswith(self.idp.base_url + "/sso/redirect?")
        # The IdP reads the AuthnRequest as it would before showing its form.
        shown = browser.get(location, timeout=30)
        assert shown.status_code == 200
        return browser, self.idp.requests[-1][0]

    def post(self, browser: requests.Session, slug: str, encoded: str) -> requests.Response:
        """Post a Response to the organization's ACS as the IdP's page would.

        A browser without the app's cookie is shown a form that posts the same again from
        the app's own page (where SameSite=Lax cookies come along); it is submitted as the
        page's script would.
        """
        answer = browser.post(
            self.acs(slug), data={"SAMLResponse": encoded}, allow_redirects=False, timeout=30
        )
        if answer.status_code == 200 and 'id="again"' in answer.text:
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', answer.text))
            assert unescape(fields["SAMLResponse"]) == encoded and fields["again"] == "1"
            answer = browser.post(self.acs(slug), data=fields, allow_redirects=False, timeout=30)
        return answer

    def sign_in(
        self, slug: str, email: str, browser: requests.Session | None = None, **response: Any
    ) -> tuple[requests.Session, requests.Response, str]:
        """Sign in over HTTP; return the browser, the ACS's answer and the Response posted."""
        browser, request_id = self.start(slug, browser)
        encoded = self.idp.response(
            email,
            acs=self.acs(slug),
            audience=self.entity_id(slug),
            in_response_to=request_id,
            **response,
        )
        return browser, self.post(browser, slug, encoded), encoded

    def me(self, browser: requests.Session, slug: str) -> requests.Response:
        return browser.get(f"{self.base_url}/sso/{slug}/me", timeout=30)

    def logged(self) -> str:
        return self.log_path.read_text(errors="replace")


def world_of(database: str, directory: Path, idp: SamlIdp) -> Iterator[SamlWorld]:
    """Run gunicorn on a fresh database of the kind, beside the running IdP."""
    with _database(database, directory) as url:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        env = {
            "SCIM_GATEWAY_DATABASE_URL": url,
            "SCIM_GATEWAY_SECRET_KEY": "saml-e2e-secret-key",
            "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
            "SCIM_GATEWAY_PUBLIC_URL": base_url,
        }
        engine = make_engine(url)
        log_path = directory / f"gunicorn-{database}.log"
        try:
            with start_gunicorn(env, port=port, log_path=log_path):
                yield SamlWorld(base_url, idp, make_sessionmaker(engine), log_path)
        finally:
            engine.dispose()


@contextmanager
def _database(kind: str, directory: Path) -> Iterator[str]:
    if kind == "postgresql":
        with postgres_database() as url:
            yield url
    else:
        (directory / "template").mkdir(exist_ok=True)
        yield fresh_sqlite(migrated_sqlite_template(directory / "template"), directory)


def saml_request_of(url: str) -> str:
    """Return the XML of the SAMLRequest an HTTP-Redirect URL carries."""
    [value] = parse_qs(urlsplit(url).query)["SAMLRequest"]
    return zlib.decompress(base64.b64decode(value), -15).decode()


def text_of(response: requests.Response) -> str:
    """Return a page's text without tags, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())
