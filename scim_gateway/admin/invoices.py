"""Invoices: list, detail, printable page, PDF and CSV downloads."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

from flask import Response, current_app, g, render_template, request, url_for
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from seat_core import format_money
from seat_core.models import MAX_ID, Invoice

from .. import i18n
from ..db import read_only
from . import bp
from .auth import owner_required
from .formatting import csv_cell, months
from .invoice_pdf import invoice_pdf

PAGE_SIZE = 50


@bp.get("/<org>/invoices")
@owner_required()
def invoices(org: str) -> Any:
    """List the organization's invoices, newest first."""
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        before = None  # not an id, or past every id: start from the newest
    with read_only() as session:
        query = select(Invoice).where(Invoice.organization_id == g.organization.id)
        if before:
            query = query.where(Invoice.id < before)
        rows = session.scalars(query.order_by(Invoice.id.desc()).limit(PAGE_SIZE + 1)).all()
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        older = url_for("admin.invoices", org=org, before=rows[-1].id) if more else None
        return render_template("admin/invoices.html", invoices=rows, older=older)


def _load(org_id: int, number: str) -> Any:
    with read_only() as session:
        invoice = session.scalars(
            select(Invoice)
            .where(Invoice.organization_id == org_id, Invoice.number == number)
            .options(selectinload(Invoice.lines))
        ).first()
        return invoice


def _not_found(number: str) -> Any:
    message = _("No invoice %(number)s.", number=number)
    return render_template("admin/not_found.html", message=message), 404


def _body(invoice: Invoice) -> tuple[Markup, str]:
    """Render the invoice itself and its heading in its own language, not the reader's."""
    with i18n.in_language(invoice.language):
        body = Markup(render_template("admin/_invoice_body.html", invoice=invoice))
        return body, _("Invoice %(number)s", number=invoice.number)


@bp.get("/<org>/invoices/<number>")
@owner_required()
def invoice(org: str, number: str) -> Any:
    """Show one invoice: the page in the reader's language, the invoice in its own."""
    found = _load(g.organization.id, number)
    if found is None:
        return _not_found(number)
    body, _heading = _body(found)
    return render_template("admin/invoice.html", invoice=found, body=body, printable=False)


@bp.get("/<org>/invoices/<number>/print")
@owner_required()
def invoice_print(org: str, number: str) -> Any:
    """Show one invoice on a page made for printing, in the invoice's language."""
    found = _load(g.organization.id, number)
    if found is None:
        return _not_found(number)
    body, heading = _body(found)
    return render_template("admin/invoice_print.html", invoice=found, body=body, heading=heading)


@bp.get("/<org>/invoices/<number>.pdf")
@owner_required()
def invoice_pdf_download(org: str, number: str) -> Any:
    """Download one invoice as a PDF a finance team can file."""
    found = _load(g.organization.id, number)
    if found is None:
        return _not_found(number)
    with i18n.in_language(found.language):
        body = invoice_pdf(found, font_path=current_app.config.get("INVOICE_PDF_FONT"))
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{found.number}.pdf"'},
    )


@bp.get("/<org>/invoices/<number>.csv")
@owner_required()
def invoice_csv(org: str, number: str) -> Any:
    """Download one invoice as CSV: one row per line, then the total."""
    found = _load(g.organization.id, number)
    if found is None:
        return _not_found(number)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            "invoice",
            "issued_on",
            "description",
            "seats",
            "period_start",
            "period_last_day",
            "remaining_months",
            "unit_price",
            "amount",
            "currency",
        ]
    )
    for line in found.lines:
        writer.writerow(
            [
                found.number,
                found.issued_on.isoformat(),
                csv_cell(line.description),
                line.seats,
                line.period_start.isoformat(),
                (line.period_end - timedelta(days=1)).isoformat(),
                months(line.remaining_months),
                format_money(line.unit_price_minor, found.currency),
                format_money(line.amount_minor, found.currency),
                found.currency,
            ]
        )
    if found.tax_rate_bp:
        tax = f"Tax {found.tax_rate_bp / 100:g} %"
        tax_minor = format_money(found.tax_minor, found.currency)
        blank = ["", "", "", "", ""]
        writer.writerow(
            [found.number, found.issued_on.isoformat(), tax, *blank, tax_minor, found.currency]
        )
    writer.writerow(
        [
            found.number,
            found.issued_on.isoformat(),
            "Total",
            "",
            "",
            "",
            "",
            "",
            format_money(found.total_minor, found.currency),
            found.currency,
        ]
    )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{found.number}.csv"'},
    )
