"""Billing settings, the review, Update and the invoice in Spanish; invoices keep their language."""

import html
import io
import re

import pytest
from pypdf import PdfReader
from sqlalchemy import select, update

from scim_gateway import i18n
from scim_gateway.admin.invoice_texts import line_description
from scim_gateway.clock import today_for
from scim_gateway.db import transaction
from seat_core import contract_of, get_organization, quote_purchase
from seat_core.models import Invoice, InvoiceLine, Organization

from .conftest import field, post_form


def speak(app, language):
    """Set acme's language, as the operator's or owner's setting would."""
    with app.app_context(), transaction() as session:
        session.execute(
            update(Organization).where(Organization.slug == "acme").values(language=language)
        )


def reading(client, language):
    """Have the client's browser ask for a language."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = language
    return client


@pytest.fixture
def spanish(app, primary):
    """acme in Spanish, its Primary Owner's browser in Spanish too."""
    speak(app, "es")
    return reading(primary, "es")


def text_of(page):
    """Return a page's text with its tags removed and its spaces plain, to read sentences."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", page)).replace("\xa0", " ")
    return re.sub(r"\s+", " ", text)


def shown(page, name):
    match = re.search(rf'data-testid="{name}">([^<]+)<', page)
    assert match, f"no {name} on the page"
    return html.unescape(match.group(1)).replace("\xa0", " ").strip()


def quote_in(app, language, seats):
    """Return the seat core's quote for today, written as the pages write it in language."""
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        today = today_for(contract_of(session, organization.id))
        quote = quote_purchase(session, organization, seats=seats, on=today)
    with app.test_request_context(), i18n.in_language(language):
        return {
            "amount": i18n.money(quote.amount_minor, quote.currency).replace("\xa0", " "),
            "months": i18n.months_and_days(quote.remaining_months, quote.month_days),
            "on": i18n.day(quote.on),
        }


def buy(client, seats):
    """Open the review, click Update; return the invoice page's path."""
    page = client.get(f"/admin/acme/billing/seats/review?seats={seats}", follow_redirects=True)
    form = {n: field(page.text, n) for n in ("csrf_token", "seats", "on", "purchase_token")}
    return client.post("/admin/acme/billing/seats", data=form).location


def stored(app, number):
    with app.app_context(), transaction() as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == number)).one()
        return invoice.language, invoice.lines[0].description


def test_billing_settings_reads_as_the_help_centre_in_spanish(spanish):
    page = spanish.get("/admin/acme/billing").text

    assert '<html lang="es">' in page
    assert "<h1>Configuración de facturación</h1>" in page
    assert '<h2 id="seats-heading">Asientos</h2>' in page
    assert "<span>Editar asientos</span>" in page
    assert "Edit seats" not in page and "Billing settings" not in page


def test_the_review_writes_the_amount_the_proration_and_the_dates_in_spanish(app, spanish):
    edit = spanish.get("/admin/acme/billing/seats").text
    assert ">Revise</button>" in edit and '<label for="seats">Asientos que añadir</label>' in edit

    page = spanish.get("/admin/acme/billing/seats/review?seats=5", follow_redirects=True).text
    expected = quote_in(app, "es", 5)

    assert re.fullmatch(r"\d{1,3}(\.\d{3})*,\d{2} US\$|\d{4},\d{2} US\$", expected["amount"])
    assert shown(page, "prorated-amount") == expected["amount"]
    assert re.fullmatch(r"\d+ mes(es)?( y \d+ días?)?", expected["months"]), expected["months"]
    assert shown(page, "remaining-months") == (
        f"{expected['months']} del período del contrato de 12 meses"
    )
    assert re.fullmatch(r"\d{1,2} de [a-z]+ de \d{4}", expected["on"])
    assert f"({expected['on']} \u2013 " in text_of(page)
    assert ">Actualizar</button>" in page
    assert shown(page, "update-effect") == (
        f"Compra 5 asientos ahora y emite una factura por {expected['amount']}"
    )
    assert shown(page, "new-total") == "15 asientos"


def test_a_seat_count_that_is_not_a_number_is_refused_in_spanish(spanish):
    page = spanish.get("/admin/acme/billing/seats/review?seats=abc", follow_redirects=True)

    assert page.status_code == 400
    assert "«abc» no es un número entero de asientos." in page.text


def test_update_issues_the_invoice_in_spanish(app, spanish):
    expected = quote_in(app, "es", 5)

    path = buy(spanish, 5)
    page = spanish.get(path).text
    number = path.rsplit("/", 1)[1]

    assert stored(app, number) == ("es", "5 seats added, prorated")
    assert f"5 asientos añadidos. Factura {number} emitida por" in text_of(page)
    assert f"Factura {number}" in page and "Descargar PDF" in page
    assert shown(page, "invoice-total") == expected["amount"]
    assert shown(page, "invoice-status") == "Pendiente"
    body = text_of(page)
    assert "Número de factura" in body and "Emitida el" in body and "Período" in body
    assert "5 asientos añadidos, prorrateado" in body
    assert expected["months"] in body
    listed = spanish.get("/admin/acme/invoices").text
    assert shown(listed, "invoice-list-total") == expected["amount"]
    assert "Asientos añadidos" in listed and "Pendiente" in listed


def test_an_invoice_keeps_its_language_when_the_organization_changes_its_own(app, spanish):
    path = buy(spanish, 3)
    spanish_page = spanish.get(path).text
    spanish_pdf = pdf_text(spanish, path)

    speak(app, "en")
    english = reading(spanish, "en")
    page = english.get(path).text
    printed = english.get(f"{path}/print").text

    # The page around it is the reader's; the invoice is still the one issued in Spanish.
    assert "Download PDF" in page and "Descargar PDF" not in page
    assert _body(page) == _body(spanish_page)
    assert "3 asientos añadidos, prorrateado" in text_of(page)
    assert '<html lang="es">' in printed and "Número de factura" in printed
    assert ">Print</button>" in printed
    assert pdf_text(english, path) == spanish_pdf


def test_an_invoice_issued_in_english_stays_english_for_a_spanish_reader(app, primary):
    path = buy(reading(primary, "en"), 2)
    english_page = primary.get(path).text

    speak(app, "es")
    page = reading(primary, "es").get(path).text

    assert "Descargar PDF" in page
    assert _body(page) == _body(english_page)
    assert "2 seats added, prorated" in page and "Invoice number" in page
    assert "Invoice number" in pdf_text(primary, path)


def _body(page):
    """Return the invoice itself: what the page shows inside its language's element."""
    match = re.search(r'<div lang="(en|es)">(.*?)</table>', page, re.S)
    assert match, "no invoice body"
    return match.group(0)


def pdf_text(client, path):
    response = client.get(f"{path}.pdf")
    assert response.status_code == 200
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


def test_the_pdf_prints_spanish_in_an_embedded_unicode_font(app, spanish):
    post_form(
        spanish,
        "/admin/acme/billing",
        "/admin/acme/billing/details",
        billing_name="Compañía Española, S. A.",
        billing_address="Calle de la Montaña 1\r\n28001 Madrid",
        billing_tax_id="ESA12345678",
    )
    path = buy(spanish, 5)
    expected = quote_in(app, "es", 5)

    response = spanish.get(f"{path}.pdf")
    reader = PdfReader(io.BytesIO(response.data))
    text = "\n".join(p.extract_text() for p in reader.pages).replace("\xa0", " ")

    assert re.search(rf"^Número de factura\s+{path.rsplit('/', 1)[1]}$", text, re.M)
    for heading in ("Descripción", "Asientos", "Período", "Tiempo facturado", "Importe"):
        assert heading in text, heading
    assert "Precio unitario / año" in text  # on one line
    assert "Compañía Española, S. A." in text and "Calle de la Montaña 1" in text
    assert "FACTURADO A" in text and "NIF ESA12345678" in text
    assert re.search(rf"Total\s*{re.escape(expected['amount'])}", text)
    assert re.search(r"5 asientos\s+añadidos,\s+prorrateado", text), text
    fonts = reader.pages[0]["/Resources"]["/Font"]
    embedded = [
        font.get_object()
        for font in fonts.values()
        if "DejaVuSans" in str(font.get_object()["/BaseFont"])
    ]
    assert embedded, "DejaVu Sans is not the PDF's font"
    for font in embedded:
        descendant = font["/DescendantFonts"][0].get_object()
        assert "/FontFile2" in descendant["/FontDescriptor"].get_object()
        assert "/ToUnicode" in font


def test_standard_line_descriptions_are_written_in_the_invoice_language(app):
    line = InvoiceLine(description="1 seat added, prorated", seats=1)
    renewal = InvoiceLine(description="Renewal: 12 seats for one year", seats=12)
    other = InvoiceLine(description="Credit for March", seats=2)
    with app.test_request_context():
        with i18n.in_language("en"):
            assert line_description(line) == "1 seat added, prorated"
            assert line_description(renewal) == "Renewal: 12 seats for one year"
        with i18n.in_language("es"):
            assert line_description(line) == "1 asiento añadido, prorrateado"
            assert line_description(renewal) == "Renovación: 12 asientos por un año"
            assert line_description(other) == "Credit for March"


def test_usage_draws_its_chart_in_spanish(spanish):
    page = spanish.get("/admin/acme/usage").text

    assert "<h1>Uso</h1>" in page
    assert re.search(r'aria-label="Asientos en uso y comprados del \d{1,2} de [a-z]+ de', page)
    assert ": ahora 0 en uso de 10" in page
    assert "Últimos días" in page
