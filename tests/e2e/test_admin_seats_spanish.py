"""The purchase path in Spanish, as the help centre tells it, in Chromium with gunicorn.

"Configuración de facturación", the pencil under "Asientos", "Revise", "Actualizar": every
control is found by its accessible name in Spanish, and the invoice writes the amount and
the billed months the Spanish way.
"""

import re
from collections.abc import Iterator

import pytest
from flask import Flask
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import update

from scim_gateway import i18n
from scim_gateway.clock import today_for
from seat_core import contract_of, get_organization, make_engine, make_sessionmaker, quote_purchase
from seat_core.models import Organization
from tests.e2e.test_admin_seats import PASSWORD, PRIMARY, gateway, postgres_url

__all__ = ["gateway", "postgres_url"]  # the English flow's gateway: acme, in its own database


@pytest.fixture
def spanish_page(browser: Browser) -> Iterator[Page]:
    """A page in a fresh context whose browser asks for Spanish."""
    context = browser.new_context(locale="es-ES")
    yield context.new_page()
    context.close()


@pytest.fixture
def acme_in_spanish(postgres_url: str) -> str:
    """Set acme's language to Spanish, as its owners' setting would."""
    engine = make_engine(postgres_url)
    with make_sessionmaker(engine).begin() as session:
        session.execute(
            update(Organization).where(Organization.slug == "acme").values(language="es")
        )
    engine.dispose()
    return postgres_url


def quote_in_spanish(url: str, seats: int) -> tuple[str, str]:
    """Return today's prorated amount and billed months for seats, as written in Spanish."""
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        organization = get_organization(session, "acme")
        today = today_for(contract_of(session, organization.id))
        quote = quote_purchase(session, organization, seats=seats, on=today)
    engine.dispose()
    app = Flask("scim_gateway")  # the package's catalogs
    i18n.init_app(app)
    with app.test_request_context(), i18n.in_language("es"):
        written = i18n.money(quote.amount_minor, quote.currency)
        return written, i18n.months_and_days(quote.remaining_months, quote.month_days)


def test_a_primary_owner_adds_seats_in_spanish_as_the_help_centre_says(
    gateway, acme_in_spanish, spanish_page, screenshot
):
    page = spanish_page
    page.goto(f"{gateway}/admin/acme/login")
    # The sign-in form is another page's: found by its fields, whatever its language.
    page.locator("#email").fill(PRIMARY)
    page.locator("#password").fill(PASSWORD)
    page.locator("form button[type=submit]").click()

    page.get_by_role("navigation").get_by_role("link", name="Configuración de facturación").click()
    expect(page.get_by_role("heading", name="Configuración de facturación")).to_be_visible()
    seats = page.get_by_role("region", name="Asientos")
    expect(seats.get_by_role("heading", name="Asientos", exact=True)).to_be_visible()
    screenshot(page, "1-configuracion-de-facturacion")

    seats.get_by_role("link", name="Editar asientos").click()
    page.get_by_label("Asientos que añadir").fill("5")
    screenshot(page, "2-editar-asientos")
    page.get_by_role("button", name="Revise").click()
    amount, months = quote_in_spanish(acme_in_spanish, 5)

    assert re.fullmatch(r"\d+,\d{2}\xa0US\$", amount), amount
    assert re.fullmatch(r"\d+ mes(es)?( y \d+ días?)?", months), months
    expect(page.get_by_role("heading", name="Revise su cambio")).to_be_visible()
    expect(page.get_by_test_id("prorated-amount")).to_have_text(amount)
    expect(page.get_by_test_id("remaining-months")).to_contain_text(
        f"{months} del período del contrato de 12 meses"
    )
    screenshot(page, "3-revise")
    page.get_by_role("button", name="Actualizar").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Factura INV-\d+$"))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="5 asientos añadidos")).to_be_visible()
    expect(page.get_by_test_id("invoice-total")).to_have_text(amount)
    line = page.get_by_role("row", name=re.compile("5 asientos añadidos, prorrateado"))
    expect(line).to_contain_text(months)
    expect(line).to_contain_text(re.compile(r"\d{1,2} de [a-z]+ de \d{4} \u2013 "))
    screenshot(page, "4-factura")
    page.get_by_role("navigation").get_by_role("link", name="Configuración de facturación").click()
    expect(page.get_by_test_id("seats-purchased")).to_have_text("15")
