"""Invoice PDFs, laid out with fpdf2: both parties, dates, lines, tax and total."""

from __future__ import annotations

from collections.abc import Callable

from fpdf import FPDF
from fpdf.enums import XPos, YPos

from seat_core.models import Invoice

from .formatting import amount, day, months_and_days, rate, through

# Helvetica, the font every PDF reader has, holds Latin-1 only.
STAND_INS = {
    "\u2013": "-",
    "\u2014": "-",
    "\u2018": "'",
    "\u2019": "'",
    "\u201c": '"',
    "\u201d": '"',
}


SELLER_NOT_CONFIGURED = (
    "Seller details not configured: the operator sets them with SCIM_GATEWAY_SELLER_NAME, "
    "SCIM_GATEWAY_SELLER_ADDRESS and SCIM_GATEWAY_SELLER_TAX_ID."
)


def invoice_pdf(invoice: Invoice, *, font_path: str | None = None) -> bytes:
    """Return the invoice as a one-or-more-page A4 PDF."""
    pdf = FPDF(format="A4")
    pdf.set_title(f"Invoice {invoice.number}")
    pdf.set_creator("SCIM Seat Gateway")
    pdf.set_auto_page_break(auto=True, margin=15)
    if font_path:
        pdf.add_font("Body", "", font_path)
        pdf.add_font("Body", "B", font_path)
        family, text = "Body", str
    else:
        family, text = "Helvetica", _latin_1
    pdf.add_page()
    money: Callable[[int], str] = lambda minor: amount(minor, invoice.currency)  # noqa: E731

    pdf.set_font(family, "B", 18)
    pdf.cell(0, 10, text(f"Invoice {invoice.number}"), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    top = bottom = pdf.get_y()
    half = (pdf.epw - 10) / 2
    seller = invoice.seller_name or "SCIM Seat Gateway"
    parties = [
        ("From", seller, invoice.seller_address, invoice.seller_tax_id),
        ("Billed to", invoice.customer_name, invoice.customer_address, invoice.customer_tax_id),
    ]
    for column, (heading, name, address, tax_id) in enumerate(parties):
        pdf.set_xy(pdf.l_margin + column * (half + 10), top)
        pdf.set_font(family, "B", 9)
        pdf.cell(half, 5, text(heading.upper()), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(half, 5.5, text(name), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(family, "", 10)
        lines = [*address.splitlines(), *([f"Tax id {tax_id}"] if tax_id else [])]
        if lines:
            pdf.multi_cell(half, 5, text("\n".join(lines)), new_x=XPos.LEFT, new_y=YPos.NEXT)
        elif column == 0 and not invoice.seller_name:
            pdf.set_font(family, "", 8)
            pdf.multi_cell(half, 4, text(SELLER_NOT_CONFIGURED), new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 6)

    status = f"Paid on {day(invoice.paid_on)}" if invoice.paid_on else "Due"
    pdf.set_font(family, "", 10)
    for label, value in [
        ("Invoice number", invoice.number),
        ("Issued on", day(invoice.issued_on)),
        ("Due on", day(invoice.due_on)),
        ("Status", status),
        ("Seats after this invoice", str(invoice.seats_purchased_after)),
    ]:
        pdf.cell(50, 6, text(label))
        pdf.cell(0, 6, text(value), new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    pdf.set_font(family, "", 9)
    with pdf.table(
        # In millimetres, 190 in all: wide enough for every heading on one line at 9 pt,
        # a period, and an amount of nine digits.
        col_widths=(36, 12, 40, 36, 30, 36),
        text_align=("LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        first_row_as_headings=True,
    ) as table:
        header = ["Description", "Seats", "Period", "Billed for", "Unit price / year", "Amount"]
        table.row([text(cell) for cell in header])
        for line in invoice.lines:
            period = f"{day(line.period_start)} - {through(line.period_end)}"
            billed = months_and_days(line.remaining_months, line.month_days)
            row = [line.description, str(line.seats), period, billed]
            row += [money(line.unit_price_minor), money(line.amount_minor)]
            table.row([text(cell) for cell in row])
    pdf.ln(4)

    totals = []
    if invoice.tax_rate_bp:
        totals += [
            ("Subtotal", money(invoice.subtotal_minor)),
            (f"Tax ({rate(invoice.tax_rate_bp)})", money(invoice.tax_minor)),
        ]
    totals.append(("Total", money(invoice.total_minor)))
    for label, value in totals:
        pdf.set_font(family, "B" if label == "Total" else "", 11)
        pdf.cell(pdf.epw - 45, 7, text(label), align="R")
        pdf.cell(45, 7, text(value), align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())


def _latin_1(value: str) -> str:
    # Dashes and quotes have Latin-1 stand-ins; anything else becomes "?" rather than fail.
    for fancy, plain in STAND_INS.items():
        value = value.replace(fancy, plain)
    return value.encode("latin-1", "replace").decode("latin-1")
