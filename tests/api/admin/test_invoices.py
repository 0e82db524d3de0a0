"""Invoices a finance team can file: both parties, tax, due date, paid status, PDF."""

import io
import json
import re
from datetime import timedelta
from fractions import Fraction

import pytest
from click.testing import CliRunner
from pypdf import PdfReader
from sqlalchemy import select

from scim_gateway.cli import cli
from scim_gateway.db import transaction
from seat_core import get_organization, round_half_up, set_tax_rate, tax_on
from seat_core.models import Invoice

from ...conftest import TEST_CONFIG
from .conftest import field, post_form

SELLER = {
    "SELLER_NAME": "Seat Vendor GmbH",
    "SELLER_ADDRESS": "Hauptstrasse 1\n10115 Berlin",
    "SELLER_TAX_ID": "DE123456789",
    "INVOICE_NET_DAYS": 14,
}
DETAILS = {
    "billing_name": "Acme Finance Ltd",
    "billing_address": "1 Main Street\r\nSpringfield",
    "billing_tax_id": "GB999999973",
}


def buy(client, seats):
    """Buy seats through Edit seats, Review and Update; return the invoice page's path."""
    page = client.get(f"/admin/acme/billing/seats/review?seats={seats}", follow_redirects=True)
    form = {n: field(page.text, n) for n in ("csrf_token", "seats", "on", "purchase_token")}
    return client.post("/admin/acme/billing/seats", data=form).location


def tax_rate(app, basis_points):
    with app.app_context(), transaction() as session:
        set_tax_rate(session, get_organization(session, "acme"), rate_bp=basis_points)


def stored(app, number):
    with app.app_context(), transaction() as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == number)).one()
        session.expunge(invoice)
        return invoice


def number_of(path):
    return path.rsplit("/", 1)[1]


@pytest.fixture
def billed(app, primary):
    """acme with the seller configured, billing details saved and a 20 % tax rate."""
    app.config.update(SELLER)
    post_form(primary, "/admin/acme/billing", "/admin/acme/billing/details", **DETAILS)
    tax_rate(app, 2000)
    return primary


def test_the_primary_owner_saves_billing_details_and_reads_them_back(primary):
    response = post_form(primary, "/admin/acme/billing", "/admin/acme/billing/details", **DETAILS)

    page = primary.get(response.location).text
    assert "Billing details saved." in page
    assert 'value="Acme Finance Ltd"' in page and 'value="GB999999973"' in page
    assert ">1 Main Street\nSpringfield</textarea>" in page


def test_bad_billing_details_are_refused_and_the_typed_text_is_kept(primary):
    bad = {**DETAILS, "billing_tax_id": "GB" + "9" * 70, "billing_name": "Acme Typed"}

    response = post_form(primary, "/admin/acme/billing", "/admin/acme/billing/details", **bad)

    assert response.status_code == 400
    assert 'role="alert"' in response.text and "tax id" in response.text
    assert 'value="Acme Typed"' in response.text
    assert 'value="Acme Finance Ltd"' not in primary.get("/admin/acme/billing").text


def test_an_owner_cannot_change_the_billing_details(owner):
    response = post_form(owner, "/admin/acme/billing", "/admin/acme/billing/details", **DETAILS)

    assert response.status_code == 403
    assert "Acme Finance Ltd" not in owner.get("/admin/acme/billing").text


def test_an_invoice_carries_both_parties_the_tax_line_and_the_due_date(app, billed):
    path = buy(billed, 5)

    invoice = stored(app, number_of(path))
    page = billed.get(path).text
    assert (invoice.seller_name, invoice.seller_tax_id) == ("Seat Vendor GmbH", "DE123456789")
    assert invoice.seller_address == "Hauptstrasse 1\n10115 Berlin"
    assert (invoice.customer_name, invoice.customer_tax_id) == ("Acme Finance Ltd", "GB999999973")
    assert invoice.customer_address == "1 Main Street\nSpringfield"
    assert invoice.tax_rate_bp == 2000
    assert invoice.tax_minor == round_half_up(Fraction(invoice.subtotal_minor, 5))
    assert invoice.total_minor == invoice.subtotal_minor + invoice.tax_minor
    assert invoice.due_on == invoice.issued_on + timedelta(days=14)
    assert invoice.status == "due"
    assert "Tax (20 %)" in page and 'data-testid="invoice-status">Due<' in page
    assert "Seat Vendor GmbH" in page and "Acme Finance Ltd" in page


def test_the_review_shows_the_tax_and_the_invoice_total_update_will_charge(app, billed):
    page = billed.get("/admin/acme/billing/seats/review?seats=5", follow_redirects=True).text

    total = re.search(r'data-testid="invoice-total">([^<]+)<', page).group(1)
    path = buy(billed, 5)
    assert "Tax (20 %)" in page
    assert f"issues an invoice for {total}" in page
    assert f'data-testid="invoice-total">{total}<' in billed.get(path).text


def test_tax_is_rounded_once_half_up():
    assert tax_on(1005, rate_bp=1950) == 196  # 195.975
    assert tax_on(1, rate_bp=5000) == 1  # 0.5 rounds up, not to even
    assert tax_on(3, rate_bp=5000) == 2  # 1.5
    assert tax_on(150000, rate_bp=0) == 0


def test_an_issued_invoice_never_changes_when_the_settings_change(app, billed):
    path = buy(billed, 2)
    before = stored(app, number_of(path))

    app.config.update(SELLER_NAME="Renamed Vendor", INVOICE_NET_DAYS=60)
    post_form(
        billed, "/admin/acme/billing", "/admin/acme/billing/details",
        billing_name="Someone Else", billing_address="", billing_tax_id="",
    )  # fmt: skip
    tax_rate(app, 0)

    after = stored(app, number_of(path))
    page = billed.get(path).text
    columns = ("seller_name", "customer_name", "customer_tax_id", "tax_minor", "total_minor")
    assert [getattr(after, c) for c in columns] == [getattr(before, c) for c in columns]
    assert after.due_on == before.due_on
    assert "Seat Vendor GmbH" in page and "Someone Else" not in page


def test_the_pdf_holds_the_seller_the_customer_the_tax_line_and_the_total(app, billed):
    path = buy(billed, 5)
    invoice = stored(app, number_of(path))

    response = billed.get(f"{path}.pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert f'filename="{invoice.number}.pdf"' in response.headers["Content-Disposition"]
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)
    total = f"{invoice.total_minor // 100:,}.{invoice.total_minor % 100:02d} USD"
    tax = f"{invoice.tax_minor // 100:,}.{invoice.tax_minor % 100:02d} USD"
    assert f"Invoice {invoice.number}" in text
    assert "Seat Vendor GmbH" in text and "DE123456789" in text
    assert "Acme Finance Ltd" in text and "GB999999973" in text
    assert re.search(rf"Tax \(20 %\)\s*{re.escape(tax)}", text)
    assert re.search(rf"Total\s*{re.escape(total)}", text)


def test_an_unknown_invoice_pdf_is_a_404(primary):
    assert primary.get("/admin/acme/invoices/INV-999999.pdf").status_code == 404


def test_the_print_page_keeps_each_amount_on_one_line(billed):
    path = buy(billed, 5)

    page = billed.get(f"{path}/print").text
    with billed.get("/static/admin.css") as response:
        stylesheet = response.text

    assert "admin.css" in page and ".nowrap { white-space: nowrap; }" in stylesheet
    amounts = re.findall(r"[\d,]+\.\d\d USD", page)
    wrapped = re.findall(r'<span class="nowrap"[^>]*>[\d,]+\.\d\d USD</span>', page)
    assert amounts and len(wrapped) == len(amounts)


@pytest.fixture
def cli_run(database_url, monkeypatch):
    """Run a scim-gateway command against the test database."""
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", TEST_CONFIG["SECRET_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])

    def invoke(*args):
        result = CliRunner().invoke(cli, list(args))
        return result.exit_code, result.output

    return invoke


def test_an_operator_marks_an_invoice_paid_and_due_again_from_the_cli(app, primary, cli_run):
    path = buy(primary, 1)
    number = number_of(path)
    issued = stored(app, number).issued_on.isoformat()

    code, output = cli_run(
        "invoices", "mark-paid", "--org", "acme", number, "--on", issued, "--json"
    )

    assert code == 0, output
    assert json.loads(output)["status"] == "paid"
    assert stored(app, number).paid_on.isoformat() == issued
    assert 'data-testid="invoice-status">Paid on' in primary.get(path).text
    code, output = cli_run("invoices", "mark-due", "--org", "acme", number, "--json")
    assert code == 0 and json.loads(output)["status"] == "due"
    assert stored(app, number).paid_on is None


def test_the_cli_refuses_an_unknown_invoice_and_a_payment_before_the_issue(app, primary, cli_run):
    number = number_of(buy(primary, 1))

    unknown = cli_run("invoices", "mark-paid", "--org", "acme", "INV-999999")
    early = cli_run("invoices", "mark-paid", "--org", "acme", number, "--on", "2000-01-01")

    assert unknown[0] != 0 and early[0] != 0
    assert stored(app, number).paid_on is None


def test_an_operator_sets_billing_details_and_the_tax_rate_from_the_cli(app, primary, cli_run):
    code, output = cli_run(
        "invoices", "billing", "--org", "acme", "--name", "Acme Finance Ltd",
        "--address", "1 Main Street\\nSpringfield", "--tax-rate", "8.25", "--json",
    )  # fmt: skip

    assert code == 0, output
    assert json.loads(output)["tax_rate_bp"] == 825
    page = primary.get("/admin/acme/billing").text
    assert 'data-testid="tax-rate">8.25 %' in page
    assert ">1 Main Street\nSpringfield</textarea>" in page
    bad = cli_run("invoices", "billing", "--org", "acme", "--tax-rate", "101")
    assert bad[0] != 0


def pdf_text(client, path):
    """Return the text of an invoice's PDF, page after page."""
    response = client.get(f"{path}.pdf")
    return "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.data)).pages)


def test_the_pdf_has_an_invoice_number_row_and_each_heading_on_one_line(billed):
    path = buy(billed, 5)

    text = pdf_text(billed, path)

    assert re.search(rf"^Invoice number\s+{number_of(path)}$", text, re.M)
    for heading in ("Description", "Seats", "Period", "Billed for", "Unit price / year"):
        assert heading in text, heading


def test_an_invoice_without_seller_details_says_where_the_operator_sets_them(primary):
    path = buy(primary, 1)

    page = primary.get(path).text
    text = pdf_text(primary, path)

    assert 'data-testid="seller-not-configured"' in page
    assert "SCIM_GATEWAY_SELLER_NAME" in page and "SCIM_GATEWAY_SELLER_ADDRESS" in page
    assert "Seller details not configured" in text and "SCIM_GATEWAY_SELLER_NAME" in text


def test_an_invoice_with_seller_details_has_no_such_note(billed):
    path = buy(billed, 1)

    page = billed.get(path).text
    text = pdf_text(billed, path)

    assert "Seat Vendor GmbH" in page and "seller-not-configured" not in page
    assert "Seat Vendor GmbH" in text and "not configured" not in text
