"""Commands for organizations and the demo."""

from __future__ import annotations

import secrets
from typing import Any

import click
from sqlalchemy import select, update

from seat_core import (
    add_owner,
    create_organization,
    expiry_of,
    parse_money,
)
from seat_core.models import ApiToken, Organization

from ..clock import now
from ..passwords import hash_password
from ..tokens import issue_token
from . import Context, cli, pass_context
from .output import contract_summary, emit

DEMO_TOKEN_LABEL = "demo"


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


@cli.command("demo")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def demo(ctx: Context, as_json: bool) -> None:
    """Create the demo organization and its Primary Owner if absent, renew its token; print them."""

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
        # Tokens are kept only as hashes, so an earlier run's token cannot be printed again:
        # revoke it and issue a new one, leaving exactly one live demo token.
        session.execute(
            update(ApiToken)
            .where(
                ApiToken.organization_id == organization.id,
                ApiToken.kind == "scim",
                ApiToken.label == DEMO_TOKEN_LABEL,
                ApiToken.revoked_at.is_(None),
            )
            .values(revoked_at=at)
        )
        lifetime = ctx.app.config["SCIM_TOKEN_LIFETIME_DAYS"]
        _, token = issue_token(
            session,
            organization,
            kind="scim",
            at=at,
            label=DEMO_TOKEN_LABEL,
            expires_at=expiry_of(at=at, days=None, no_expiry=False, default_days=lifetime),
        )
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
