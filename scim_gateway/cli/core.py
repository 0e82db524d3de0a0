"""Commands for the database, organizations, seats, renewals and the demo."""

from __future__ import annotations

import json
import secrets
from datetime import date
from typing import Any

import click

from seat_core import (
    add_owner,
    contract_of,
    create_organization,
    format_money,
    format_months,
    get_organization,
    parse_money,
    purchase_seats,
    quote_purchase,
    renew_due,
    usage,
)
from seat_core.models import Invoice, Organization

from ..clock import now, today_for
from ..passwords import hash_password
from ..tokens import issue_token
from . import Context, cli, pass_context


def emit(data: dict[str, Any], as_json: bool) -> None:
    """Print data as one JSON object, or as aligned lines for a person."""
    if as_json:
        click.echo(json.dumps(data, default=str))
        return
    width = max(len(key) for key in data)
    for key, value in data.items():
        click.echo(f"{key.replace('_', ' '):<{width}}  {value}")


@cli.group()
def db() -> None:
    """Manage the database schema."""


@db.command("upgrade")
@pass_context
def db_upgrade(ctx: Context) -> None:
    """Migrate the database to the latest schema."""
    from ..migrate import upgrade

    upgrade(ctx.app.config["DATABASE_URL"])
    click.echo("Database is up to date.")


@db.command("backup")
@click.argument("destination", type=click.Path(dir_okay=False, writable=True))
@pass_context
def db_backup(ctx: Context, destination: str) -> None:
    """Copy a live SQLite database to DESTINATION, consistently, while it serves."""
    import sqlite3

    from sqlalchemy.engine import make_url

    url = make_url(ctx.app.config["DATABASE_URL"])
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("db backup is for SQLite; back up PostgreSQL with pg_dump")
    # SQLite's online backup API copies a consistent snapshot without stopping writers.
    with sqlite3.connect(url.database) as source, sqlite3.connect(destination) as target:
        source.backup(target)
    click.echo(f"Backed up {url.database} to {destination}.")


@cli.group()
def org() -> None:
    """Manage organizations."""


@org.command("create")
@click.option("--slug", required=True, help="Short name used in URLs, like acme.")
@click.option("--name", required=True, help="Display name, like Acme.")
@click.option("--seats", required=True, type=click.IntRange(min=1), help="Seats purchased.")
@click.option("--price-per-seat-year", required=True, help="Annual price of one seat, like 360.00.")
@click.option("--currency", default="USD", show_default=True, help="ISO 4217 code.")
@click.option(
    "--start", required=True, type=click.DateTime(["%Y-%m-%d"]), help="First day of the contract."
)
@click.option("--timezone", default="UTC", show_default=True, help="Billing time zone.")
@click.option(
    "--no-auto-renew", is_flag=True, help="Let the contract expire at the end of its term."
)
@click.option(
    "--min-seats",
    default=1,
    show_default=True,
    type=click.IntRange(min=1),
    help="Plan minimum at renewal.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def org_create(ctx: Context, **options: Any) -> None:
    """Create an organization with its first annual contract term."""
    currency = options["currency"].upper()
    with ctx.transaction() as session:
        organization = create_organization(
            session,
            slug=options["slug"],
            name=options["name"],
            seats=options["seats"],
            price_per_seat_year_minor=parse_money(options["price_per_seat_year"], currency),
            currency=currency,
            start=options["start"].date(),
            timezone=options["timezone"],
            auto_renew=not options["no_auto_renew"],
            min_seats=options["min_seats"],
            at=now(),
        )
        emit(contract_summary(session, organization), options["as_json"])


@cli.group()
def seats() -> None:
    """Quote, buy and count seats."""


def _on(value: Any) -> date | None:
    return value.date() if value is not None else None


@seats.command("quote")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--add", "count", required=True, type=int, help="Seats to add.")
@click.option(
    "--on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Purchase date (default: today in the billing time zone).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def seats_quote(ctx: Context, slug: str, count: int, on: Any, as_json: bool) -> None:
    """Show what adding seats costs, prorated to the end of the term."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        day = _on(on) or today_for(contract_of(session, organization.id))
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
@click.option(
    "--on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Purchase date (default: today in the billing time zone).",
)
@click.option("--idempotency-key", help="Repeat the command with the same key to buy only once.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def seats_buy(
    ctx: Context, slug: str, count: int, on: Any, idempotency_key: str | None, as_json: bool
) -> None:
    """Buy seats now and issue the prorated invoice."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        day = _on(on) or today_for(contract_of(session, organization.id))
        purchase = purchase_seats(
            session,
            organization,
            seats=count,
            on=day,
            at=now(),
            idempotency_key=idempotency_key,
            max_seats=ctx.app.config["MAX_SEATS_PER_PURCHASE"],
        )
        emit({**invoice_summary(purchase.invoice), "replayed": purchase.replayed}, as_json)


@seats.command("usage")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def seats_usage(ctx: Context, slug: str, as_json: bool) -> None:
    """Show seats purchased, in use and free, and how many people are waiting."""
    with ctx.transaction() as session:
        current = usage(session, get_organization(session, slug))
        emit(
            {
                "seats_purchased": current.seats_purchased,
                "seats_in_use": current.seats_in_use,
                "seats_free": current.seats_free,
                "pending_requests": current.pending_requests,
                "term_start": current.term_start.isoformat(),
                "term_end": current.term_end.isoformat(),
                "status": current.status,
            },
            as_json,
        )


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
    with ctx.transaction() as session:
        invoices = renew_due(session, at=at)
        summaries = [invoice_summary(invoice) for invoice in invoices]
    if as_json:
        click.echo(json.dumps({"renewed": summaries}, default=str))
    else:
        click.echo(f"Renewed {len(summaries)} term(s).")
        for summary in summaries:
            amount = f"{summary['amount']} {summary['currency']}"
            click.echo(f"  {summary['number']}: {summary['seats']} seats, {amount}")


@cli.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def demo(ctx: Context, as_json: bool) -> None:
    """Create the demo organization, its Primary Owner and a SCIM token if absent; print them."""
    from sqlalchemy import select

    at = now()
    with ctx.transaction() as session:
        organization = session.scalars(
            select(Organization).where(Organization.slug == "demo")
        ).first()
        password = None
        if organization is None:
            organization = create_organization(
                session,
                slug="demo",
                name="Demo Company",
                seats=10,
                price_per_seat_year_minor=36000,
                currency="USD",
                start=at.date().replace(day=1),
                at=at,
            )
            password = secrets.token_urlsafe(12)
            add_owner(
                session,
                organization,
                email="owner@demo.test",
                role="primary_owner",
                at=at,
                password_hash=hash_password(password),
            )
        # A fresh SCIM token every run: the old ones stay valid, their secrets are not kept.
        _, token = issue_token(session, organization, kind="scim", at=at, label="demo")
    base = ctx.app.config["PUBLIC_URL"]
    data = {
        "organization": "demo",
        "scim_base_url": f"{base}/scim/v2",
        "scim_token": token,
        "owner_sign_in": f"{base}/admin/demo/login",
        "owner_email": "owner@demo.test",
        "owner_password": password or "(unchanged since the demo was created)",
    }
    emit(data, as_json)


def contract_summary(session: Any, organization: Organization) -> dict[str, Any]:
    """Describe an organization's contract for the command line."""
    contract = contract_of(session, organization.id)
    return {
        "slug": organization.slug,
        "name": organization.name,
        "seats_purchased": contract.seats_purchased,
        "price_per_seat_year": format_money(contract.price_per_seat_year_minor, contract.currency),
        "currency": contract.currency,
        "term_start": contract.term_start.isoformat(),
        "term_end": contract.term_end.isoformat(),
        "timezone": contract.timezone,
        "auto_renew": contract.auto_renew,
        "min_seats": contract.min_seats,
    }


def invoice_summary(invoice: Invoice) -> dict[str, Any]:
    """Describe an invoice for the command line."""
    return {
        "id": invoice.id,
        "number": invoice.number,
        "kind": invoice.kind,
        "amount": format_money(invoice.total_minor, invoice.currency),
        "currency": invoice.currency,
        "seats": sum(line.seats for line in invoice.lines),
        "remaining_months": [
            format_months(_fraction(line.remaining_months)) for line in invoice.lines
        ],
        "issued_on": invoice.issued_on.isoformat(),
        "seats_purchased": invoice.seats_purchased_after,
    }


def _fraction(text: str) -> Any:
    from fractions import Fraction

    return Fraction(text)
