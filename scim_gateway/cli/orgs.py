"""Commands for organizations."""

from __future__ import annotations

import json
from typing import Any

import click
from sqlalchemy import select

from seat_core import contract_of, create_organization, get_organization, local_date, parse_money
from seat_core.accounts import set_language
from seat_core.models import Organization
from seat_core.orgs import LANGUAGES

from ..clock import now
from . import Context, cli, pass_context
from .output import contract_summary, emit, table, term_text
from .seats import term_status

LANGUAGE_NAMES = {"en": "English", "es": "Spanish"}


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
    "--start",
    type=click.DateTime(["%Y-%m-%d"]),
    help="First day of the contract (default: today in the billing time zone).",
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
@click.option(
    "--language",
    type=click.Choice(LANGUAGES),
    default="en",
    show_default=True,
    help="Language of the owners' pages, mails, invoices and SCIM errors.",
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
            start=(
                options["start"].date()
                if options["start"]
                else local_date(now(), options["timezone"])
            ),
            timezone=options["timezone"],
            auto_renew=not options["no_auto_renew"],
            min_seats=options["min_seats"],
            language=options["language"],
            at=now(),
        )
        emit(contract_summary(session, organization), options["as_json"])


@org.command("set-language")
@click.argument("slug")
@click.argument("language", type=click.Choice(LANGUAGES))
@pass_context
def org_set_language(ctx: Context, slug: str, language: str) -> None:
    """Set the language of an organization's pages, mails, invoices and SCIM errors."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        changed = set_language(session, organization, language, at=now())
    state = "is now" if changed else "was already"
    click.echo(f"{slug} {state} in {LANGUAGE_NAMES[language]} ({language}).")


@org.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def org_list(ctx: Context, as_json: bool) -> None:
    """List every organization with its seats and current term."""
    with ctx.transaction() as session:
        rows = []
        for organization in session.scalars(select(Organization).order_by(Organization.slug)):
            contract = contract_of(session, organization.id)
            rows.append(
                {
                    "slug": organization.slug,
                    "name": organization.name,
                    "seats_in_use": contract.seats_used,
                    "seats_purchased": contract.seats_purchased,
                    "term_start": contract.term_start.isoformat(),
                    "term_end": contract.term_end.isoformat(),
                    "status": term_status(contract.status, contract, as_json),
                }
            )
    if as_json:
        click.echo(json.dumps(rows))
        return
    for row in rows:
        row["seats"] = f"{row['seats_in_use']} of {row['seats_purchased']}"
        row["term"] = term_text(row["term_start"], row["term_end"])
    columns = {"slug": "SLUG", "name": "NAME", "seats": "SEATS IN USE", "term": "TERM"}
    table(
        rows, {**columns, "status": "STATUS"}, "No organizations yet: create one with `org create`."
    )
