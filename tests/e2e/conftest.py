"""Fixtures for the end-to-end tests: real SMTP, webhook, SAML IdP, browser and artifacts."""

import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.e2e.saml_world import SamlWorld, world_of
from tests.support.browser import launch_chromium, save_screenshot
from tests.support.saml_idp import SamlIdp, start_saml_idp
from tests.support.smtp import SmtpServer, start_smtp_server
from tests.support.webhooks import WebhookReceiver, start_webhook_receiver

E2E_DIR = Path(__file__).resolve().parent
ARTIFACTS_ENV = "SCIM_GATEWAY_TEST_ARTIFACTS"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every test under tests/e2e as e2e, so `-m "not e2e"` skips them."""
    for item in items:
        if item.path.is_relative_to(E2E_DIR):
            item.add_marker(pytest.mark.e2e)


@pytest.fixture(scope="session")
def artifacts_dir() -> Path:
    """Return the directory for screenshots and other test artifacts."""
    default = E2E_DIR.parent / "artifacts"
    directory = Path(os.environ.get(ARTIFACTS_ENV) or default)
    directory.mkdir(parents=True, exist_ok=True)
    return directory


@pytest.fixture
def smtp_server() -> Iterator[SmtpServer]:
    """Run a real SMTP server that keeps what it receives."""
    with start_smtp_server() as server:
        yield server


@pytest.fixture
def webhook_receiver() -> Iterator[WebhookReceiver]:
    """Run a real webhook endpoint that checks signatures with its own secret."""
    with start_webhook_receiver() as receiver:
        yield receiver


@pytest.fixture(scope="session")
def browser() -> Iterator[Browser]:
    """Run one headless Chromium for the whole session."""
    with sync_playwright() as playwright:
        chromium = launch_chromium(playwright)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    """Open a page in a fresh context, so no cookies leak between tests."""
    context = browser.new_context()
    yield context.new_page()
    context.close()


@pytest.fixture
def screenshot(artifacts_dir: Path, request: pytest.FixtureRequest) -> Callable[[Page, str], Path]:
    """Return screenshot(page, name), saving <test name>-<name>.png to the artifacts."""

    def take(page: Page, name: str) -> Path:
        return save_screenshot(page, artifacts_dir, f"{request.node.name}-{name}")

    return take


@pytest.fixture(scope="module")
def saml_idp() -> Iterator[SamlIdp]:
    """Run a real SAML IdP (pysaml2's) on 127.0.0.1, with two signing certificates."""
    with start_saml_idp() as running:
        yield running


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def saml_world(
    request: pytest.FixtureRequest, saml_idp: SamlIdp, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[SamlWorld]:
    """Run the app under gunicorn on SQLite, then on PostgreSQL, beside the IdP."""
    yield from world_of(request.param, tmp_path_factory.mktemp(request.param), saml_idp)
