"""Invoice PDFs, laid out with fpdf2: both parties, dates, lines, tax and total.

Written in the language being spoken, which the caller sets to the invoice's own
(admin/invoices.py). The text is set in DejaVu Sans, embedded in the PDF (fonts/), so that
any Latin, Greek or Cyrillic text prints: accents, ñ, ¿ ¡ and €.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from flask_babel import gettext as _

from seat_core.models import Invoice

from .formatting import amount, day, months_and_days, rate, through
from .invoice_texts import line_description, status

FONTS = Path(__file__).resolve().parent / "fonts"
REGULAR, BOLD = FONTS / "DejaVuSans.ttf", FONTS / "DejaVuSans-Bold.ttf"


def invoice_pdf(invoice: Invoice, *, font_path: str | None = None) -> bytes:
    """Return the invoice as a one-or-more-page A4 PDF; font_path replaces DejaVu Sans."""
    # Imported here: fpdf2 and its font tools take a quarter of a second to import, which
    # every command-line run and worker start would pay for a PDF it seldom makes.
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    pdf = FPDF(format="A4")
    heading = _("Invoice %(number)s", number=invoice.number)
    pdf.set_title(heading)
    pdf.set_creator("SCIM Seat Gateway")
    pdf.set_auto_page_break(auto=True, margin=15)
    family = "Body"
    pdf.add_font(family, "", font_path or REGULAR)
    pdf.add_font(family, "B", font_path or BOLD)
    pdf.add_page()
    money: Callable[[int], str] = lambda minor: amount(minor, invoice.currency)  # noqa: E731

    pdf.set_font(family, "B", 18)
    pdf.cell(0, 10, heading, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)
    top = bottom = pdf.get_y()
    half = (pdf.epw - 10) / 2
    seller = invoice.seller_name or "SCIM Seat Gateway"
    parties = [
        (_("From"), seller, invoice.seller_address, invoice.seller_tax_id),
        (_("Billed to"), invoice.customer_name, invoice.customer_address, invoice.customer_tax_id),
    ]
    for column, (title, name, address, tax_id) in enumerate(parties):
        pdf.set_xy(pdf.l_margin + column * (half + 10), top)
        pdf.set_font(family, "B", 9)
        pdf.cell(half, 5, title.upper(), new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(family, "B", 11)
        pdf.multi_cell(half, 5.5, name, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        pdf.set_font(family, "", 10)
        lines = [*address.splitlines(), *([_("Tax id %(id)s", id=tax_id)] if tax_id else [])]
        if lines:
            pdf.multi_cell(half, 5, "\n".join(lines), align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        elif column == 0 and not invoice.seller_name:
            pdf.set_font(family, "", 8)
            note = _(
                "Seller details not configured: the operator sets them with "
                "SCIM_GATEWAY_SELLER_NAME, SCIM_GATEWAY_SELLER_ADDRESS and "
                "SCIM_GATEWAY_SELLER_TAX_ID."
            )
            pdf.multi_cell(half, 4, note, align="L", new_x=XPos.LEFT, new_y=YPos.NEXT)
        bottom = max(bottom, pdf.get_y())
    pdf.set_xy(pdf.l_margin, bottom + 6)

    pdf.set_font(family, "", 10)
    for label, value in [
        (_("Invoice number"), invoice.number),
        (_("Issued on"), day(invoice.issued_on)),
        (_("Due on"), day(invoice.due_on)),
        (_("Status"), status(invoice)),
        (_("Seats after this invoice"), str(invoice.seats_purchased_after)),
    ]:
        pdf.cell(50, 6, label)
        pdf.cell(0, 6, value, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(4)

    pdf.set_font(family, "", 8)
    with pdf.table(
        # In millimetres, 190 in all: wide enough for every heading on one line at 8 pt in
        # English and Spanish, an English period, and an amount of nine digits.
        col_widths=(27, 18, 44, 36, 35, 30),
        text_align=("LEFT", "RIGHT", "LEFT", "RIGHT", "RIGHT", "RIGHT"),
        first_row_as_headings=True,
    ) as table:
        table.row(
            [
                _("Description"),
                _("Seats"),
                _("Period"),
                _("Billed for"),
                _("Unit price / year"),
                _("Amount"),
            ]
        )
        for line in invoice.lines:
            period = f"{day(line.period_start)} \u2013 {through(line.period_end)}"
            billed = months_and_days(line.remaining_months, line.month_days)
            row = [line_description(line), str(line.seats), period, billed]
            row += [money(line.unit_price_minor), money(line.amount_minor)]
            table.row(row)
    pdf.ln(4)

    totals = []
    if invoice.tax_rate_bp:
        totals += [
            (_("Subtotal"), money(invoice.subtotal_minor)),
            (_("Tax (%(rate)s)", rate=rate(invoice.tax_rate_bp)), money(invoice.tax_minor)),
        ]
    totals.append((_("Total"), money(invoice.total_minor)))
    for index, (label, value) in enumerate(totals):
        pdf.set_font(family, "B" if index == len(totals) - 1 else "", 11)
        pdf.cell(pdf.epw - 45, 7, label, align="R")
        pdf.cell(45, 7, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    return bytes(pdf.output())
