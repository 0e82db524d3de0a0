"""In Chromium: Back then Update shows the first invoice; Update says what it buys; banner."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import Page, expect

from seat_core import get_organization, identity_key, make_engine, make_sessionmaker, record_refusal
from tests.e2e import test_admin_seats as seats_module
from tests.e2e.test_admin_seats import PRIMARY, sign_in

# The gateway the seats tests run, set up the same way: acme with 10 seats and its owners.
gateway, postgres_url = seats_module.gateway, seats_module.postgres_url

WIDTHS = [1280, 390]


def invoice_count(page: Page, base_url: str) -> int:
    page.goto(f"{base_url}/admin/acme/invoices")
    return page.locator("tbody tr").count()


def seats_purchased(page: Page, base_url: str) -> int:
    page.goto(f"{base_url}/admin/acme/billing")
    return int(page.get_by_test_id("seats-purchased").inner_text())


@pytest.mark.parametrize("width", WIDTHS)
def test_back_then_update_again_shows_the_first_invoice_and_buys_once(
    gateway, page, screenshot, width
):
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, gateway, PRIMARY)
    invoices_before = invoice_count(page, gateway)
    seats_before = seats_purchased(page, gateway)

    page.get_by_role("link", name="Edit seats").click()
    page.get_by_label("Seats to add").fill("5")
    page.get_by_role("button", name="Review").click()
    expect(page.get_by_test_id("update-effect")).to_contain_text("Buys 5 seats now and issues")
    expect(page.get_by_role("link", name="Cancel")).to_be_visible()
    expect(page.get_by_test_id("remaining-months")).to_contain_text("of the 12-month term")
    screenshot(page, f"{width}-1-review")
    page.get_by_role("button", name="Update").click()
    heading = page.get_by_role("heading", name=re.compile(r"Invoice INV-\d+"))
    expect(heading).to_be_visible()
    first_invoice = page.url
    screenshot(page, f"{width}-2-invoice")

    page.go_back()
    expect(page.get_by_role("button", name="Update")).to_be_visible()
    screenshot(page, f"{width}-3-back-on-the-review")
    page.get_by_role("button", name="Update").click()

    expect(page.get_by_text("These seats were already bought")).to_be_visible()
    assert page.url == first_invoice
    screenshot(page, f"{width}-4-the-first-invoice-again")
    assert page.evaluate("document.documentElement.scrollWidth") <= width
    assert invoice_count(page, gateway) == invoices_before + 1
    assert seats_purchased(page, gateway) == seats_before + 5


@pytest.mark.parametrize("width", WIDTHS)
def test_the_banner_offers_to_admit_once_bought_seats_cover_everyone_waiting(
    gateway, postgres_url, page, screenshot, width
):
    engine = make_engine(postgres_url)
    with make_sessionmaker(engine).begin() as session:
        organization = get_organization(session, "acme")
        for n in range(3):
            name = f"waiting-{width}-{n}@acme.test"
            record_refusal(
                session, organization, channel="sso", identity=name,
                identity_key=identity_key(name), at=datetime.now(UTC),
            )  # fmt: skip
    engine.dispose()
    page.set_viewport_size({"width": width, "height": 900})
    sign_in(page, gateway, PRIMARY)

    banner = page.get_by_role("status").filter(has_text="waiting for a seat")
    expect(banner).to_contain_text("3 people are waiting for a seat and")
    expect(banner).to_contain_text("free — admit them")
    screenshot(page, f"{width}-1-banner")
    banner.get_by_role("link").click()
    page.get_by_role("button", name="Admit all").click()

    expect(page.get_by_text("Admitted 3 people.")).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="waiting for a seat")).to_have_count(0)
    screenshot(page, f"{width}-2-admitted")
