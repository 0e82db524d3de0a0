"""Owners buy seats and confirm seat releases in a real browser: Chromium, gunicorn, PostgreSQL."""

import re
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from scim_gateway.admin.formatting import amount
from scim_gateway.clock import today_for
from seat_core import (
    contract_of,
    get_organization,
    make_engine,
    make_sessionmaker,
    quote_purchase,
    set_group_members,
)
from tests.databases import truncate_all
from tests.factories import gen_group, gen_member, seat_holders
from tests.support.servers import PATIENT_STARTUP, run_cli, start_gunicorn

# One worker runs the module: its gateway starts once, and no other test empties the
# database it shares with the session between two of these tests.
pytestmark = pytest.mark.xdist_group("admin-seats-e2e")

KEY = "aWtbcxwtS1yd6S8x8Nn1GWmFz8Xq1QOTyhSU9Bd7Kzo="
PRIMARY, OWNER = "ann@acme.test", "bob@acme.test"
PASSWORD = "a long enough password"


@pytest.fixture(scope="module")
def postgres_url(postgres_url_session: str) -> str:
    """The run's PostgreSQL database, emptied once for this module's shared gateway."""
    truncate_all(postgres_url_session)
    return postgres_url_session


@pytest.fixture(scope="module")
def gateway(postgres_url: str) -> Iterator[str]:
    """Set acme up with the operator's CLI, then run the gateway; yield its base URL."""
    # Give the workers time to boot on a busy machine.
    env = {
        "SCIM_GATEWAY_DATABASE_URL": postgres_url,
        "SCIM_GATEWAY_SECRET_KEY": "admin-e2e-secret-key",
        "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
    }
    start = datetime.now(UTC).date().replace(day=1).isoformat()
    commands = [
        (["org", "create", "--slug", "acme", "--name", "Acme", "--seats", "10",
          "--price-per-seat-year", "360.00", "--start", start], None),
        (["owner", "add", "--org", "acme", "--email", PRIMARY, "--role", "primary_owner"],
         PASSWORD + "\n"),
        (["owner", "add", "--org", "acme", "--email", OWNER, "--role", "owner"], PASSWORD + "\n"),
    ]  # fmt: skip
    for args, stdin in commands:
        outcome = run_cli(args, env=env, input=stdin)
        assert outcome.returncode == 0, outcome.stderr
    # A second organization for the seat policy, so that acme's seat counts stay its own:
    # ann and bob hold seats, ann in Engineering.
    commands = [
        (["org", "create", "--slug", "globex", "--name", "Globex", "--seats", "5",
          "--price-per-seat-year", "360.00", "--start", start], None),
        (["owner", "add", "--org", "globex", "--email", "ann@globex.test", "--role",
          "primary_owner"], PASSWORD + "\n"),
    ]  # fmt: skip
    for args, stdin in commands:
        outcome = run_cli(args, env=env, input=stdin)
        assert outcome.returncode == 0, outcome.stderr
    engine = make_engine(postgres_url)
    with make_sessionmaker(engine).begin() as session:
        globex, at = get_organization(session, "globex"), datetime.now(UTC)
        ann, _bob = (
            gen_member(session, globex, f"{name}@globex.test", at=at) for name in ("ann", "bob")
        )
        set_group_members(session, gen_group(session, globex, "Engineering"), [ann.id], at=at)
    engine.dispose()
    with start_gunicorn(env, workers=2, startup_timeout=PATIENT_STARTUP) as base_url:
        yield base_url


def quote_for_today(url: str, seats: int) -> str:
    """Return the seat core's quote for adding seats today, as the pages format it."""
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        organization = get_organization(session, "acme")
        today = today_for(contract_of(session, organization.id))
        quote = quote_purchase(session, organization, seats=seats, on=today)
    engine.dispose()
    return amount(quote.amount_minor, quote.currency)


def sign_in(page: Page, base_url: str, email: str) -> None:
    page.goto(f"{base_url}/admin/acme/login")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()


def test_a_primary_owner_adds_five_seats_and_gets_the_invoice(
    gateway, postgres_url, page, screenshot
):
    page.goto(f"{gateway}/admin/acme/login")
    screenshot(page, "1-sign-in")
    sign_in(page, gateway, PRIMARY)
    expect(page.get_by_role("heading", name="Billing settings")).to_be_visible()
    expect(page.get_by_test_id("seats-purchased")).to_have_text("10")
    screenshot(page, "2-billing-settings")

    page.get_by_role("link", name="Edit seats").click()
    page.get_by_label("Seats to add").fill("5")
    screenshot(page, "3-edit-seats")
    page.get_by_role("button", name="Review").click()
    expected = quote_for_today(postgres_url, 5)

    expect(page.get_by_test_id("seats-added")).to_have_text("5")
    expect(page.get_by_test_id("prorated-amount")).to_have_text(expected)
    expect(page.get_by_test_id("new-total")).to_contain_text("15 seats")
    screenshot(page, "4-review")
    page.get_by_role("button", name="Update").click()

    expect(page.get_by_role("heading", name=re.compile(r"Invoice INV-\d+"))).to_be_visible()
    expect(page.get_by_test_id("invoice-total")).to_have_text(expected)
    expect(page.get_by_test_id("invoice-seats-after")).to_have_text("15")
    screenshot(page, "5-invoice")
    page.get_by_role("link", name="Billing settings").click()
    expect(page.get_by_test_id("seats-purchased")).to_have_text("15")
    screenshot(page, "6-billing-after")
    page.get_by_role("link", name="Usage").click()
    expect(page.get_by_role("img", name=re.compile("now 0 in use of 15"))).to_be_visible()
    screenshot(page, "7-usage")


def test_an_owner_sees_no_edit_seats_control(gateway, page, screenshot):
    sign_in(page, gateway, OWNER)

    expect(page.get_by_role("heading", name="Billing settings")).to_be_visible()
    expect(page.get_by_role("link", name="Edit seats")).to_have_count(0)
    expect(page.get_by_role("button", name="Edit seats")).to_have_count(0)
    screenshot(page, "owner-billing-settings")


def holders(url: str, slug: str) -> list[str]:
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        names = seat_holders(session, get_organization(session, slug).id)
    engine.dispose()
    return names


def test_licensed_groups_that_release_a_seat_are_saved_only_once_confirmed(
    gateway, postgres_url, page, screenshot
):
    page.goto(f"{gateway}/admin/globex/login")
    page.get_by_label("Email").fill("ann@globex.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.get_by_label("Licensed groups").fill("Engineering")
    page.get_by_role("button", name="Save seat policy").click()

    expect(page.get_by_role("heading", name="Release 1 seat?")).to_be_visible()
    expect(page.get_by_test_id("releases")).to_have_text(
        "1 seat holder in none of the licensed groups would lose their seat: bob@globex.test."
    )
    screenshot(page, "1-confirm-releases")
    assert holders(postgres_url, "globex") == ["ann@globex.test", "bob@globex.test"]
    page.get_by_role("button", name="Release seats and save").click()

    expect(page.get_by_text("1 member gave up their seat")).to_be_visible()
    expect(page.get_by_label("Licensed groups")).to_have_value("Engineering")
    screenshot(page, "2-saved")
    assert holders(postgres_url, "globex") == ["ann@globex.test"]
