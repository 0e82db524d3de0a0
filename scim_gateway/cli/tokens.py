"""Commands for SCIM bearer tokens."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

import click

from seat_core import LifetimeConflict, expiry_of, get_organization

from ..clock import now
from ..tokens import KINDS, issue_token, revoke_token, tokens_of
from . import Context, cli, pass_context
from .output import emit_new_token


def expiry_from(
    ctx: Context, *, at: datetime, days: int | None, no_expiry: bool, setting: str
) -> datetime | None:
    """Return when a token issued now expires, from --expires-in-days and --no-expiry, or
    after the days of the setting (SCIM_TOKEN_LIFETIME_DAYS, API_TOKEN_LIFETIME_DAYS)."""
    try:
        return expiry_of(
            at=at, days=days, no_expiry=no_expiry, default_days=ctx.app.config[setting]
        )
    except LifetimeConflict:
        raise click.UsageError("Give --expires-in-days or --no-expiry, not both.") from None


@cli.group()
def token() -> None:
    """Issue SCIM tokens of an organization; list and revoke its SCIM and API tokens."""


@token.command("issue")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--label", help="What the token is for, like okta-prod.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(min=1),
    help="Days the token lives (default SCIM_GATEWAY_SCIM_TOKEN_LIFETIME_DAYS, 365).",
)
@click.option("--no-expiry", is_flag=True, help="Issue a token that never expires.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def token_issue(
    ctx: Context,
    slug: str,
    label: str | None,
    expires_in_days: int | None,
    no_expiry: bool,
    as_json: bool,
) -> None:
    """Issue a SCIM token and print it once; it is stored only as a hash."""
    at = now()
    expires_at = expiry_from(
        ctx, at=at, days=expires_in_days, no_expiry=no_expiry, setting="SCIM_TOKEN_LIFETIME_DAYS"
    )
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        row, secret = issue_token(
            session, organization, kind="scim", at=at, label=label, expires_at=expires_at
        )
    emit_new_token(secret, row.id, expires_at, as_json)


@token.command("list")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option(
    "--kind",
    type=click.Choice(["scim", "api", "all"]),
    default="scim",
    show_default=True,
    help="SCIM tokens, API tokens (owners' and the organization's), or both.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def token_list(ctx: Context, slug: str, kind: str, as_json: bool) -> None:
    """List the organization's tokens (never their secrets): state, expiry, last use."""
    at = now()
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        tokens = tokens_of(session, organization, at=at, kinds=KINDS[kind])
    if as_json:
        click.echo(json.dumps(tokens))
        return
    if not tokens:
        click.echo(f"{slug} has no {'' if kind == 'all' else kind.upper() + ' '}tokens.")
        return
    click.echo(
        f"{'ID':>5}  {'PREFIX':<13}  {'KIND':<4}  {'STATE':<7}  {'EXPIRES':<10}  "
        f"{'LAST USED':<16}  {'OWNER':<24}  LABEL"
    )
    for item in tokens:
        click.echo(
            f"{item['id']:>5}  {item['prefix'] + '…':<13}  {item['kind']:<4}  "
            f"{item['state']:<7}  {_day(item['expires_at']) or 'never':<10}  "
            f"{_minute(item['last_used_at']) or 'never':<16}  {item['owner'] or '':<24}  "
            f"{item['label'] or ''}".rstrip()
        )


def _day(value: Any) -> str | None:
    return str(value)[:10] if value else None


def _minute(value: Any) -> str | None:
    return str(value)[:16].replace("T", " ") if value else None


@token.command("revoke")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.argument("token_id", type=int)
@pass_context
def token_revoke(ctx: Context, slug: str, token_id: int) -> None:
    """Revoke a token, SCIM or API, by its id (see `token list --kind all`)."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        if not revoke_token(session, organization, token_id, at=now()):
            raise click.ClickException(f"No live token {token_id} in {slug}")
    click.echo(f"Token {token_id} revoked.")
