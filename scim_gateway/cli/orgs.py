"""Commands for organizations."""

from __future__ import annotations

from typing import Any

import click

from seat_core import (
    create_organization,
    parse_money,
)

from ..clock import now
from . import Context, cli, pass_context
from .output import contract_summary, emit


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
