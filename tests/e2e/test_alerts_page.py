"""Owners set up alerts in a real browser; a real worker sends what the page queues."""

from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Page, expect
from standardwebhooks import Webhook

from seat_core import make_engine, make_sessionmaker
from tests.factories import gen_organization, gen_owner
from tests.support.servers import PATIENT_STARTUP, start_gunicorn
from tests.support.webhooks import LOOPBACK_ALLOWED

from .test_alerts_delivery import environment, wait_until, worker

PASSWORD = "a long enough password"


@pytest.fixture
def gateway(sqlite_url: str) -> Iterator[str]:
    """Create acme with a Primary Owner, then run gunicorn and an alert worker."""
    engine = make_engine(sqlite_url)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    with make_sessionmaker(engine).begin() as session:
        now = datetime.now(UTC)
        organization = gen_organization(session, start=now.date().replace(day=1), at=now)
        gen_owner(session, organization, "ann@acme.test", password_hash=cheap)
    engine.dispose()
    # The test's receiver listens on loopback, refused unless the operator allows it.
    env = environment(
        sqlite_url, ALERT_RETRY_BASE_SECONDS=60, WEBHOOK_ALLOWED_NETWORKS=LOOPBACK_ALLOWED
    )
    with start_gunicorn(env, workers=1, startup_timeout=PATIENT_STARTUP) as base_url, worker(env):
        yield base_url


def test_an_owner_adds_an_endpoint_and_its_test_message_is_signed_with_the_shown_secret(
    gateway: str, page: Page, webhook_receiver, screenshot
) -> None:
    page.goto(f"{gateway}/admin/acme/login")
    page.get_by_label("Email").fill("ann@acme.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_role("link", name="Alerts").click()
    expect(page.get_by_role("heading", name="Alerts", exact=True)).to_be_visible()

    page.get_by_label("Add an address").fill("finance@acme.test")
    page.get_by_role("button", name="Add recipient").click()
    expect(page.get_by_text("finance@acme.test will get the alert emails.")).to_be_visible()
    page.get_by_label("Endpoint URL").fill(f"{webhook_receiver.url}/seats")
    page.get_by_role("button", name="Add endpoint").click()
    secret = page.get_by_test_id("webhook-secret").inner_text()
    page.get_by_role("button", name="Send test").click()
    wait_until(lambda: webhook_receiver.requests, 60, "the test webhook")

    def shows_the_outcome() -> bool:
        # The delivery is written once the receiver has answered, a moment after it got it.
        page.reload()
        return page.get_by_text("HTTP 401 Unauthorized").count() > 0

    wait_until(shows_the_outcome, 30, "the delivery's outcome on the page")
    screenshot(page, "alerts")

    request = webhook_receiver.requests[0]
    assert secret.startswith("whsec_")
    assert Webhook(secret).verify(request.body, request.headers)["type"] == "webhook.test"
    assert request.path == "/seats"
    # The receiver checks with a secret of its own, so it refuses: the page says so.
    expect(page.get_by_text("HTTP 401 Unauthorized")).to_be_visible()
    expect(page.get_by_test_id("webhook-secret")).to_have_count(0)
