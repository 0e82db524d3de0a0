"""Every admin page fits a phone's width and a desktop's, in Chromium against gunicorn."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Page, expect

from scim_gateway import create_app
from scim_gateway.crypto import encrypt
from seat_core import (
    add_recipient,
    add_webhook_endpoint,
    identity_key,
    make_engine,
    make_sessionmaker,
    purchase_seats,
    record_refusal,
    set_policy,
    set_tax_rate,
)
from tests.conftest import TEST_CONFIG
from tests.databases import fresh_sqlite
from tests.factories import gen_member, gen_organization, gen_owner
from tests.support.reach import broken_names, unreachable
from tests.support.servers import PATIENT_STARTUP, start_gunicorn
from tests.support.webhooks import RECEIVERS_ALLOWED

# One worker runs the module, so its gateway starts once, not once per worker.
pytestmark = pytest.mark.xdist_group("mobile-e2e")

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
    """Acme set up like the demo: members, people waiting, a taxed invoice, alert mail."""
    url = fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("mobile"))
    engine = make_engine(url)
    cheap = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
    now = datetime.now(UTC)
    with make_sessionmaker(engine).begin() as session:
        acme = gen_organization(
            session, seats=3, start=now.date().replace(day=1), price_minor=1_234_500, at=now
        )
        gen_owner(session, acme, PRIMARY, password_hash=cheap)
        set_tax_rate(session, acme, rate_bp=2000)
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
        add_webhook_endpoint(
            session,
            acme,
            url="http://127.0.0.1:9/hooks/seat-gateway/acme-corporation/production-endpoint",
            secret_encrypted=encrypt("whsec_unused", TEST_CONFIG["ENCRYPTION_KEY"]),
            at=now,
            policy=RECEIVERS_ALLOWED,
        )
        # Logs the policy before it, where reclaiming was off (None).
        set_policy(session, acme.id, at=now, reclaim_after_days=90)
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


def sign_in(page: Page, gateway: str) -> None:
    """Sign in as acme's Primary Owner."""
    page.goto(f"{gateway}/admin/acme/login")
    page.get_by_label("Email").fill(PRIMARY)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Billing settings")).to_be_visible()


@pytest.mark.parametrize("width", [390, 1280])
def test_every_action_and_amount_of_every_admin_page_is_on_the_screen(
    gateway, world, browser, screenshot, width
):
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    out_of_reach: dict[str, list[str]] = {}

    def visit(name: str) -> None:
        screenshot(page, f"{width}-{name}")
        if problems := unreachable(page):
            out_of_reach[name] = problems

    page.goto(f"{gateway}/welcome")
    visit("welcome")
    page.goto(f"{gateway}/admin/acme/login")
    visit("login")
    sign_in(page, gateway)

    for name, path in admin_pages(world):
        page.goto(f"{gateway}{path}")
        visit(name)
    page.goto(f"{gateway}/admin/acme/seat-requests?status=dismissed")
    visit("seat_requests_dismissed")
    page.goto(f"{gateway}/admin/acme/billing/seats")
    page.get_by_label("Seats to add").fill("2")
    page.get_by_role("button", name="Review").click()
    visit("seats_review")
    page.goto(f"{gateway}/admin/acme/logout")
    visit("logout")
    context.close()

    assert out_of_reach == {}


def test_the_usage_chart_labels_are_readable_on_a_phone(gateway, browser, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, gateway)
    page.goto(f"{gateway}/admin/acme/usage")
    screenshot(page, "390-chart")
    heights = page.locator("svg.chart text").evaluate_all(
        "texts => texts.filter((t) => t.checkVisibility())"
        ".map((t) => t.getBoundingClientRect().height)"
    )
    context.close()

    # About 10 px is the least a label can be read at; an 800-unit chart squeezed into a
    # phone made its 11-unit labels about 4 px high.
    assert len(heights) >= 8 and min(heights) >= 10, heights


@pytest.mark.parametrize("width", [390, 1280])
def test_activity_never_breaks_an_event_name_inside_a_word_nor_shows_none(
    gateway, browser, screenshot, width
):
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    sign_in(page, gateway)
    page.goto(f"{gateway}/admin/acme/activity")
    screenshot(page, f"{width}-activity")
    broken = broken_names(page, "main td code")
    events = page.locator("main td code").all_inner_texts()
    text = page.locator("main").inner_text()
    context.close()

    assert "owner.signed_in" in events and broken == []
    assert not re.search(r"\bNone\b", text), text


def test_the_navigation_shows_every_section_on_a_phone(gateway, browser, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, gateway)
    page.goto(f"{gateway}/admin/acme/seat-requests")
    bar = page.locator(".topbar-inner").bounding_box()
    links = [page.locator(".mainnav a").nth(i) for i in range(page.locator(".mainnav a").count())]
    boxes = {link.inner_text(): link.bounding_box() for link in links}
    screenshot(page, "390-header")
    context.close()

    assert bar is not None and bar["height"] <= 56
    assert set(boxes) >= {"Billing settings", "Seat requests", "Usage", "Activity", "Alerts"}
    for name, box in boxes.items():
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, name


def test_unassign_seat_asks_first_and_cancel_keeps_the_seat_on_a_phone(
    gateway, browser, screenshot
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, gateway)
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


@pytest.mark.parametrize("width", [390, 1280])
def test_edit_seats_shows_the_pencil_with_its_words(gateway, browser, screenshot, width):
    context = browser.new_context(viewport={"width": width, "height": 844})
    page = context.new_page()
    sign_in(page, gateway)
    link = page.get_by_role("link", name="Edit seats")
    expect(link.locator("svg")).to_be_visible()
    expect(link.get_by_text("Edit seats", exact=True)).to_be_visible()
    words = link.get_by_text("Edit seats", exact=True).bounding_box()
    screenshot(page, f"{width}-edit-seats")
    link.click()
    expect(page.get_by_label("Seats to add")).to_be_visible()
    context.close()

    assert words is not None and words["width"] > 40 and words["x"] + words["width"] <= width


def test_the_seat_policy_form_answers_where_the_owner_is_looking(gateway, browser, screenshot):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, gateway)
    days = page.get_by_label("Reclaim seats after")
    days.fill("seven")
    page.get_by_role("button", name="Save seat policy").click()
    error = page.locator("#reclaim_after_days-error")
    expect(error).to_be_in_viewport()
    expect(error).to_contain_text("“seven” is not a number of days")
    expect(page.get_by_label("Reclaim seats after")).to_have_value("seven")
    screenshot(page, "390-policy-refused")

    page.get_by_label("Reclaim seats after").fill("60")
    page.get_by_role("button", name="Save seat policy").click()
    expect(page.get_by_test_id("policy-saved")).to_be_in_viewport()
    expect(page.get_by_label("Reclaim seats after")).to_have_value("60")
    screenshot(page, "390-policy-saved")
    context.close()


def test_an_owner_chooses_spanish_in_the_header_and_it_still_fits_a_phone(
    gateway, browser, screenshot
):
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    sign_in(page, gateway)
    page.goto(f"{gateway}/admin/acme/members")

    page.get_by_label("Language").select_option("es")
    page.get_by_role("button", name="Change").click()
    expect(page.get_by_role("heading", name="Miembros")).to_be_visible()
    bar = page.locator(".topbar-inner").bounding_box()
    links = [page.locator(".mainnav a").nth(i) for i in range(page.locator(".mainnav a").count())]
    boxes = {link.inner_text(): link.bounding_box() for link in links}
    screenshot(page, "390-spanish")
    # Back to the browser's language, for the other tests of this gateway.
    page.get_by_label("Idioma").select_option("browser")
    page.get_by_role("button", name="Cambiar").click()
    expect(page.get_by_role("heading", name="Members")).to_be_visible()
    context.close()

    assert page.url.endswith("/admin/acme/members")
    assert bar is not None and bar["height"] <= 56
    assert "Configuración de facturación" in boxes
    for name, box in boxes.items():
        assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 390, name
