"""Every admin page fits a phone's width and a desktop's, in Chromium against gunicorn."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Page, expect

from scim_gateway import create_app
from seat_core import (
    add_recipient,
    identity_key,
    make_engine,
    make_sessionmaker,
    purchase_seats,
    record_refusal,
)
from tests.conftest import TEST_CONFIG
from tests.databases import fresh_sqlite
from tests.factories import gen_member, gen_organization, gen_owner
from tests.support.servers import PATIENT_STARTUP, start_gunicorn

PRIMARY = "ann.primary-owner-of-the-account@acme-corporation.example"
PASSWORD = "a long enough password"
# Downloads are files, not pages; sign-in, sign-out and the review of a purchase (which
# needs the edit form's input) are visited on their own.
NOT_PAGES = (".csv", ".pdf")
# The set-password and authenticator pages open only from a mailed link or a proven password.
ON_THEIR_OWN = {
    "admin.login",
    "admin.confirm_logout",
    "admin.seats_review",
    "admin.set_password",
    "admin.enrol_second_factor",
}


@pytest.fixture(scope="module")
def world(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """Acme with members, people waiting for a seat, an invoice and an extra alert recipient."""
    url = fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("mobile"))
    engine = make_engine(url)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    now = datetime.now(UTC)
    with make_sessionmaker(engine).begin() as session:
        acme = gen_organization(session, seats=3, start=now.date().replace(day=1), at=now)
        gen_owner(session, acme, PRIMARY, password_hash=cheap)
        invoice = purchase_seats(session, acme, seats=1, on=now.date(), at=now).invoice.number
        members = [
            gen_member(
                session,
                acme,
                f"{name}.with-a-rather-long-user-name@subsidiary.acme-corporation.example",
                at=now,
            )
            for name in ("alice", "bruno", "carla", "dmitri")
        ]
        gen_member(session, acme, "zed@acme.example", active=False, source="sso", at=now)
        for name in ("erin", "farouk"):
            identity = f"{name}.waiting-for-a-seat@subsidiary.acme-corporation.example"
            record_refusal(
                session,
                acme,
                channel="sso",
                identity=identity,
                identity_key=identity_key(identity),
                email=identity,
                at=now,
            )
        add_recipient(session, acme, email="finance.department@acme-corporation.example", at=now)
        member_id = str(members[0].id)
    engine.dispose()
    return {"url": url, "invoice": invoice, "member_id": member_id}


@pytest.fixture(scope="module")
def gateway(world: dict[str, str]) -> Iterator[str]:
    """Run the gateway on the world's database; yield its base URL."""
    env = {
        "SCIM_GATEWAY_DATABASE_URL": world["url"],
        "SCIM_GATEWAY_SECRET_KEY": "mobile-e2e-secret-key",
        "SCIM_GATEWAY_ENCRYPTION_KEY": TEST_CONFIG["ENCRYPTION_KEY"],
    }
    with start_gunicorn(env, workers=1, startup_timeout=PATIENT_STARTUP) as base_url:
        yield base_url


def admin_pages(world: dict[str, str]) -> list[tuple[str, str]]:
    """Return (name, path) of every admin page an owner can open, found in the app's routes.

    A new page is picked up here by itself; one with a new kind of parameter fails below
    until it is given a value.
    """
    values = {"org": "acme", "number": world["invoice"], "member_id": world["member_id"]}
    app = create_app({**TEST_CONFIG, "DATABASE_URL": world["url"]})
    pages = []
    for rule in app.url_map.iter_rules():
        if not rule.endpoint.startswith("admin.") or "GET" not in (rule.methods or ()):
            continue
        if rule.rule.endswith(NOT_PAGES) or rule.endpoint in ON_THEIR_OWN:
            continue
        missing = set(rule.arguments) - set(values)
        assert not missing, f"give {rule.rule} a value for {missing} in this test"
        path = rule.rule
        for name in rule.arguments:
            path = path.replace(f"<{name}>", values[name])
        pages.append((rule.endpoint.removeprefix("admin."), path))
    app.extensions["db"].dispose()
    return sorted(pages)


def width_of(page: Page) -> int:
    """Return how wide the document is, scrolled sideways to its end."""
    return int(page.evaluate("document.documentElement.scrollWidth"))


@pytest.fixture(params=[1280, 390], ids=["desktop", "phone"])
def viewport(request: pytest.FixtureRequest, browser: Browser) -> Iterator[Page]:
    """Open a page of the parameter's width in a fresh context."""
    context = browser.new_context(viewport={"width": request.param, "height": 844})
    yield context.new_page()
    context.close()


def test_every_admin_page_fits_the_screen_at_desktop_and_phone_widths(
    gateway, world, viewport, screenshot
):
    page = viewport
    screen = page.viewport_size["width"]
    too_wide: dict[str, int] = {}

    def visit(name: str) -> None:
        screenshot(page, f"{screen}-{name}")
        if width_of(page) > screen:
            too_wide[name] = width_of(page)

    page.goto(f"{gateway}/admin/acme/login")
    visit("login")
    page.get_by_label("Email").fill(PRIMARY)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Billing settings")).to_be_visible()
    pages = admin_pages(world)
    for name, path in pages:
        response = page.goto(f"{gateway}{path}")
        assert response is not None and response.status < 400, (path, response)
        visit(name)
    page.goto(f"{gateway}/admin/acme/billing/seats")
    page.get_by_label("Seats to add").fill("2")
    page.get_by_role("button", name="Review").click()
    expect(page.get_by_role("button", name="Update")).to_be_visible()
    visit("seats_review")
    page.goto(f"{gateway}/admin/acme/logout")
    visit("logout")
    page.goto(f"{gateway}/welcome")
    visit("welcome")

    sections = ("billing", "invoices", "members", "seat-requests", "usage", "alerts")
    assert {f"/admin/acme/{section}" for section in sections} <= {path for _, path in pages}
    assert too_wide == {}


def test_the_header_stays_on_two_lines_on_a_phone(gateway, browser, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{gateway}/admin/acme/login")
    page.get_by_label("Email").fill(PRIMARY)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{gateway}/admin/acme/members")

    bar = page.locator(".topbar-inner").bounding_box()
    nav = page.locator(".mainnav").bounding_box()
    screenshot(page, "390-header")
    context.close()

    assert bar is not None and nav is not None
    # One line of brand, organization and sign-out; one scrolling line of navigation.
    assert bar["height"] <= 56 and nav["height"] <= 48


def test_unassign_seat_asks_first_and_cancel_keeps_the_seat_on_a_phone(
    gateway, browser, screenshot
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(f"{gateway}/admin/acme/login")
    page.get_by_label("Email").fill(PRIMARY)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{gateway}/admin/acme/members?q=dmitri")

    page.get_by_role("link", name="Unassign seat").click()
    question = page.get_by_role("heading", name=re.compile(r"^Unassign dmitri\..*seat\?$"))
    expect(question).to_be_visible()
    screenshot(page, "390-confirm")
    page.get_by_role("link", name="Cancel").click()
    expect(page.get_by_text("Holds a seat")).to_be_visible()
    page.get_by_role("link", name="Unassign seat").click()
    page.get_by_role("button", name="Unassign seat").click()

    expect(page.get_by_text(re.compile(r"^Seat freed: dmitri\."))).to_be_visible()
    expect(page.get_by_text("No seat", exact=True)).to_be_visible()
    assert page.url.endswith("/admin/acme/members?q=dmitri")
    screenshot(page, "390-freed")
    context.close()
