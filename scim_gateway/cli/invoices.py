"""Commands for invoices: list, show, record payments, set billing details and tax."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from seat_core import (
    contract_of,
    format_money,
    get_invoice,
    get_organization,
    mark_invoice_due,
    mark_invoice_paid,
    parse_tax_rate,
    set_billing_details,
    set_tax_rate,
)
from seat_core.models import Invoice

from ..clock import today_for
from . import Context, cli, pass_context
from .output import emit, invoice_summary, table

org_option = click.option("--org", "slug", required=True, help="Organization slug.")
json_option = click.option("--json", "as_json", is_flag=True, help="Print JSON.")


@cli.group()
def invoices() -> None:
    """Show invoices, record their payment, set billing details and the tax rate."""


def invoice_details(invoice: Invoice) -> dict[str, Any]:
    """Describe an invoice with its tax, dates, status and both parties."""
    return {
        **invoice_summary(invoice),
        "subtotal": format_money(invoice.subtotal_minor, invoice.currency),
        "tax_rate_bp": invoice.tax_rate_bp,
        "tax": format_money(invoice.tax_minor, invoice.currency),
        "due_on": invoice.due_on.isoformat(),
        "status": invoice.status,
        "paid_on": invoice.paid_on.isoformat() if invoice.paid_on else None,
        "seller": invoice.seller_name,
        "customer": invoice.customer_name,
    }


@invoices.command("list")
@org_option
@json_option
@pass_context
def invoices_list(ctx: Context, slug: str, as_json: bool) -> None:
    """List the organization's invoices, newest first."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        rows = [
            invoice_details(invoice)
            for invoice in session.scalars(
                select(Invoice)
                .where(Invoice.organization_id == organization.id)
                .options(selectinload(Invoice.lines))
                .order_by(Invoice.id.desc())
            )
        ]
    if as_json:
        click.echo(json.dumps(rows, default=str))
        return
    for row in rows:
        row["total"] = f"{row['amount']} {row['currency']}"
    columns = {"number": "NUMBER", "issued_on": "ISSUED", "kind": "KIND", "seats": "SEATS"}
    table(
        rows,
        {**columns, "total": "TOTAL", "status": "STATUS", "due_on": "DUE"},
        f"{slug} has no invoices yet.",
    )


@invoices.command("show")
@org_option
@click.argument("number")
@json_option
@pass_context
def invoices_show(ctx: Context, slug: str, number: str, as_json: bool) -> None:
    """Show one invoice."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        emit(invoice_details(get_invoice(session, organization.id, number)), as_json)


@invoices.command("mark-paid")
@org_option
@click.argument("number")
@click.option(
    "--on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Day the payment arrived (default: today in the billing time zone).",
)
@json_option
@pass_context
def invoices_mark_paid(ctx: Context, slug: str, number: str, on: Any, as_json: bool) -> None:
    """Record that an invoice was paid."""
    with ctx.transaction(durable=True) as session:
        organization = get_organization(session, slug)
        day = on.date() if on else today_for(contract_of(session, organization.id))
        invoice = mark_invoice_paid(session, organization.id, number, on=day)
        emit(invoice_details(invoice), as_json)


@invoices.command("mark-due")
@org_option
@click.argument("number")
@json_option
@pass_context
def invoices_mark_due(ctx: Context, slug: str, number: str, as_json: bool) -> None:
    """Clear a payment recorded by mistake: the invoice is due again."""
    with ctx.transaction(durable=True) as session:
        organization = get_organization(session, slug)
        emit(invoice_details(mark_invoice_due(session, organization.id, number)), as_json)


@invoices.command("billing")
@org_option
@click.option("--name", help="Billing name (empty: the organization's name).")
@click.option("--address", help='Postal address; separate lines with "\\n".')
@click.option("--tax-id", help="The customer's VAT or sales tax number.")
@click.option("--tax-rate", help="Tax rate in percent charged on new invoices, like 20 or 8.25.")
@json_option
@pass_context
def invoices_billing(
    ctx: Context,
    slug: str,
    name: str | None,
    address: str | None,
    tax_id: str | None,
    tax_rate: str | None,
    as_json: bool,
) -> None:
    """Show or set the billing details and tax rate that new invoices carry."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        if any(value is not None for value in (name, address, tax_id)):
            set_billing_details(
                session,
                organization,
                name=organization.billing_name if name is None else name,
                address=(
                    organization.billing_address
                    if address is None
                    else address.replace("\\n", "\n")
                ),
                tax_id=organization.billing_tax_id if tax_id is None else tax_id,
            )
        if tax_rate is not None:
            set_tax_rate(session, organization, rate_bp=parse_tax_rate(tax_rate))
        emit(
            {
                "billing_name": organization.billing_name or organization.name,
                "billing_address": organization.billing_address,
                "billing_tax_id": organization.billing_tax_id,
                "tax_rate_bp": organization.tax_rate_bp,
            },
            as_json,
        )
