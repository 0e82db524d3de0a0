"""The world the SSO end-to-end tests share: a real OpenID provider, gunicorn, PostgreSQL."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import unescape
from typing import TYPE_CHECKING, Any
from urllib.parse import urljoin

import requests
from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from playwright.sync_api import Page, Route
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from scim_gateway.crypto import encrypt
from seat_core import make_engine, make_sessionmaker, usage
from seat_core.models import Member, Organization, SeatRequest, SsoConfig
from tests.conftest import TEST_CONFIG
from tests.databases import postgres_database
from tests.factories import gen_organization
from tests.support.oidc import OidcProvider, start_oidc_provider
from tests.support.ports import free_port
from tests.support.servers import start_gunicorn

if TYPE_CHECKING:
    from .saml_world import SamlWorld

CLIENT_ID, CLIENT_SECRET = "seat-gateway", "sso-test-secret"
KEY = TEST_CONFIG["ENCRYPTION_KEY"]
# Every organization the tests of this module use: the provider must know the redirect URIs.
SLUGS = (
    *("ann", "seated", "last", "deact", "nojit", "owner", "logout", "api", "bad"),
    *("kept", "mixa", "mixb", "licensed", "idp-off"),
)
PRODUCT = "https://product.example/app"
# Enough for the provider's sign-in and consent pages, with room to spare.
MAX_PAGES = 6
# Contracts are current whatever the day the suite runs.
START = date(datetime.now(UTC).year, 1, 1)


@dataclass
class World:
    """The app under gunicorn, the provider, and the database they share."""

    base_url: str
    provider: OidcProvider
    env: dict[str, str]
    sessions: sessionmaker[Session]

    def login(self, slug: str, **params: str) -> tuple[requests.Session, str]:
        """Start a sign-in at the app; return the browser and the provider's authorize URL."""
        browser = requests.Session()
        response = browser.get(
            f"{self.base_url}/sso/{slug}/login", params=params, allow_redirects=False, timeout=10
        )
        assert response.status_code == 302, response.text
        return browser, response.headers["Location"]

    def sign_in(self, slug: str, login: str, **params: str) -> tuple[requests.Session, Any]:
        """Sign in as login at the provider; return the browser and the app's callback answer."""
        browser, authorize = self.login(slug, **params)
        callback = self.provider.sign_in(browser, authorize, login)
        return browser, browser.get(callback, allow_redirects=False, timeout=10)

    def me(self, browser: requests.Session, slug: str) -> requests.Response:
        return browser.get(f"{self.base_url}/sso/{slug}/me", timeout=10)

    def held_callback(self, page: Page, slug: str, login: str) -> str:
        """Sign in as login in Chromium; return the provider's answer, held back from the app.

        Playwright routes no redirect, so the provider's requests are fetched here, their
        redirects followed by hand, and the one to the app's callback kept instead.
        """
        held: list[str] = []
        callback = f"{self.base_url}/sso/{slug}/callback?"

        def hold(route: Route) -> None:
            response = route.fetch(max_redirects=0)
            location = response.headers.get("location")
            while location:
                url = urljoin(response.url, location)
                if url.startswith(callback):
                    held.append(url)
                    route.fulfill(status=200, content_type="text/plain", body="held back")
                    return
                if not url.startswith(self.provider.issuer + "/"):
                    break
                hop = page.request.get(url, max_redirects=0)
                if "location" not in hop.headers:
                    # Already fetched once; showing it again is a harmless GET.
                    route.fulfill(status=303, headers={"Location": url})
                    return
                response, location = hop, hop.headers["location"]
            route.fulfill(response=response)

        provider = f"{self.provider.issuer}/**"
        page.route(provider, hold)
        page.goto(f"{self.base_url}/sso/{slug}/login")
        for _ in range(MAX_PAGES):
            if held:
                break
            login_box = page.locator("input[name=login]")
            if login_box.count():
                login_box.fill(login)
                page.locator("input[name=password]").fill("any")
            page.locator("form button[type=submit]").first.click()
            page.wait_for_load_state()
        page.unroute(provider)
        assert held, f"the provider never answered: {page.url}"
        return held[0]

    def cookie(self, browser: requests.Session) -> dict[str, Any]:
        """Return what the app's signed session cookie in the browser holds."""
        app = Flask(__name__)
        app.secret_key = self.env["SCIM_GATEWAY_SECRET_KEY"]
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        assert serializer is not None
        contents: dict[str, Any] = serializer.loads(browser.cookies["session"])
        return contents

    def organization(self, slug: str, seats: int, **options: Any) -> None:
        """Create an organization whose SSO points at the test provider."""
        jit = options.pop("jit", True)
        domains = options.pop("domains", "acme.test")
        with self.sessions.begin() as session:
            organization = gen_organization(session, slug=slug, seats=seats, start=START, **options)
            session.add(
                SsoConfig(
                    organization_id=organization.id,
                    issuer=self.provider.issuer,
                    client_id=CLIENT_ID,
                    client_secret_encrypted=encrypt(CLIENT_SECRET, KEY),
                    allowed_domains=domains,
                    jit=jit,
                    product_url=PRODUCT,
                    updated_at=datetime.now(UTC),
                )
            )


def client_metadata(base_url: str, slugs: tuple[str, ...]) -> dict[str, Any]:
    """Return the provider's client registration for the app's organizations."""
    return {
        "client_id": CLIENT_ID,
        "client_secret": CLIENT_SECRET,
        "redirect_uris": [f"{base_url}/sso/{slug}/callback" for slug in slugs],
        "post_logout_redirect_uris": [f"{base_url}/sso/{slug}/signed-out" for slug in slugs],
    }


def start_world(slugs: tuple[str, ...]) -> Iterator[World]:
    """Start the database, the provider and gunicorn; the port is chosen first for the URIs."""
    with postgres_database() as url:
        port = free_port()
        base_url = f"http://127.0.0.1:{port}"
        accounts = {"vic@acme.test": {"email_verified": False}}
        with start_oidc_provider([client_metadata(base_url, slugs)], accounts) as provider:
            env = {
                "SCIM_GATEWAY_DATABASE_URL": url,
                "SCIM_GATEWAY_SECRET_KEY": "sso-e2e-secret-key",
                "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
                "SCIM_GATEWAY_PUBLIC_URL": base_url,
            }
            engine = make_engine(url)
            try:
                with start_gunicorn(env, port=port):
                    yield World(base_url, provider, env, make_sessionmaker(engine))
            finally:
                engine.dispose()


def seats_in_use(world: World, slug: str) -> int:
    with world.sessions() as session:
        return usage(session, organization_of(session, slug)).seats_in_use


def organization_of(session: Session, slug: str) -> Organization:
    return session.scalars(select(Organization).where(Organization.slug == slug)).one()


def members_of(world: World | SamlWorld, slug: str) -> list[Member]:
    with world.sessions() as session:
        organization = organization_of(session, slug)
        return list(
            session.scalars(select(Member).where(Member.organization_id == organization.id))
        )


def requests_of(world: World | SamlWorld, slug: str) -> list[SeatRequest]:
    with world.sessions() as session:
        organization = organization_of(session, slug)
        return list(
            session.scalars(
                select(SeatRequest).where(SeatRequest.organization_id == organization.id)
            )
        )


def text_of(response: requests.Response) -> str:
    """Return a page's text without tags, spaces collapsed."""
    return " ".join(unescape(re.sub(r"<[^>]+>", " ", response.text)).split())


def refused_without_a_trace(world: World, browser: requests.Session, login: str) -> bool:
    """Tell whether login got no session, no member and no seat in the organization "bad"."""
    return (
        world.me(browser, "bad").status_code == 401
        and login not in {m.user_name for m in members_of(world, "bad")}
        and seats_in_use(world, "bad") == len(members_of(world, "bad"))
    )


def utc_now() -> datetime:
    return datetime.now(UTC)


def utc_today() -> date:
    return utc_now().date()
