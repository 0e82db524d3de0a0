"""Commands for seats: quote, buy, count, renew."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import click
from sqlalchemy.orm import Session

from seat_core import (
    contract_of,
    forecast_of,
    format_money,
    format_months,
    get_organization,
    purchase_and_admit,
    quote_purchase,
    renew_due,
    usage,
)
from seat_core.models import Contract, Organization

from ..clock import now, today_for
from ..config import seller
from . import Context, cli, pass_context
from .output import emit, forecast_text, invoice_summary


@cli.group()
def seats() -> None:
    """Quote, buy and count seats."""


def _organization_on(session: Session, slug: str, on: Any) -> tuple[Organization, date]:
    """Return the organization and the purchase day: --on, or today in its billing zone."""
    organization = get_organization(session, slug)
    if on is not None:
        return organization, on.date()
    return organization, today_for(contract_of(session, organization.id))


purchase_day = click.option(
    "--on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Purchase date (default: today in the billing time zone).",
)


@seats.command("quote")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--add", "count", required=True, type=int, help="Seats to add.")
@purchase_day
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def seats_quote(ctx: Context, slug: str, count: int, on: Any, as_json: bool) -> None:
    """Show what adding seats costs, prorated to the end of the term."""
    with ctx.transaction() as session:
        organization, day = _organization_on(session, slug, on)
        quote = quote_purchase(
            session,
            organization,
            seats=count,
            on=day,
            max_seats=ctx.app.config["MAX_SEATS_PER_PURCHASE"],
        )
        emit(
            {
                "seats": quote.seats,
                "amount": format_money(quote.amount_minor, quote.currency),
                "tax_rate_bp": quote.tax_rate_bp,
                "tax": format_money(quote.tax_minor, quote.currency),
                "total": format_money(quote.total_minor, quote.currency),
                "currency": quote.currency,
                "unit_price": format_money(quote.unit_price_minor, quote.currency),
                "remaining_months": format_months(quote.remaining_months),
                "remaining_months_fraction": str(quote.remaining_months),
                "on": quote.on.isoformat(),
                "term_start": quote.term_start.isoformat(),
                "term_end": quote.term_end.isoformat(),
                "seats_purchased_after": quote.seats_purchased_after,
            },
            as_json,
        )


@seats.command("buy")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--add", "count", required=True, type=int, help="Seats to add.")
@purchase_day
@click.option("--idempotency-key", help="Repeat the command with the same key to buy only once.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def seats_buy(
    ctx: Context, slug: str, count: int, on: Any, idempotency_key: str | None, as_json: bool
) -> None:
    """Buy seats now and issue the prorated invoice."""
    with ctx.transaction(durable=True) as session:
        organization, day = _organization_on(session, slug, on)
        purchase = purchase_and_admit(
            session,
            organization,
            seats=count,
            on=day,
            at=now(),
            idempotency_key=idempotency_key,
            max_seats=ctx.app.config["MAX_SEATS_PER_PURCHASE"],
            seller=seller(ctx.app.config),
        )
        emit({**invoice_summary(purchase.invoice), "replayed": purchase.replayed}, as_json)


@seats.command("usage")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def seats_usage(ctx: Context, slug: str, as_json: bool) -> None:
    """Show seats purchased, in use and free, who is waiting, and when seats run out."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        current = usage(session, organization)
        contract = contract_of(session, organization.id)
        emit(
            {
                "seats_purchased": current.seats_purchased,
                "seats_in_use": current.seats_in_use,
                "seats_free": current.seats_free,
                "pending_requests": current.pending_requests,
                "term_start": current.term_start.isoformat(),
                "term_end": current.term_end.isoformat(),
                "status": term_status(current.status, contract, as_json),
                "forecast": _forecast(ctx, session, organization, as_json),
            },
            as_json,
        )


def term_status(status: str, contract: Contract, as_json: bool) -> str:
    """Say the contract's status as of today: an active one whose term has ended is not."""
    if status == "active" and today_for(contract) >= contract.term_end:
        status = "renewal_due" if contract.auto_renew else "ended"
    return status if as_json else status.replace("_", " ")


def _forecast(ctx: Context, session: Session, organization: Organization, as_json: bool) -> Any:
    """The usage's forecast: an object for a program, a line for a person."""
    forecast = forecast_of(
        session,
        organization,
        today=today_for(contract_of(session, organization.id)),
        max_seats=ctx.app.config["MAX_SEATS_PER_PURCHASE"],
    )
    return forecast.summary() if as_json else forecast_text(forecast)


@cli.command("renew-due")
@click.option(
    "--on", type=click.DateTime(["%Y-%m-%d"]), help="Act as if today were this date (UTC)."
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def renew_due_command(ctx: Context, on: Any, as_json: bool) -> None:
    """Renew (or expire) every contract whose term has ended; safe to run again."""
    from datetime import UTC, datetime, time

    at = datetime.combine(on.date(), time(12), UTC) if on is not None else now()
    with ctx.transaction(durable=True) as session:
        invoices = renew_due(session, at=at, seller=seller(ctx.app.config))
        summaries = [invoice_summary(invoice) for invoice in invoices]
    if as_json:
        click.echo(json.dumps({"renewed": summaries}, default=str))
    else:
        click.echo(f"Renewed {len(summaries)} term(s).")
        for summary in summaries:
            amount = f"{summary['amount']} {summary['currency']}"
            click.echo(f"  {summary['number']}: {summary['seats']} seats, {amount}")
