"""Commands for SCIM bearer tokens."""

from __future__ import annotations

import json
from datetime import timedelta

import click
from sqlalchemy import select

from seat_core import get_organization
from seat_core.models import ApiToken

from ..clock import now
from ..tokens import issue_token, revoke_token
from . import Context, cli, pass_context
from .output import emit_new_token


@cli.group()
def token() -> None:
    """Issue, list and revoke SCIM tokens of an organization."""


@token.command("issue")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--label", help="What the token is for, like okta-prod.")
@click.option("--expires-in-days", type=click.IntRange(min=1), help="Make the token expire.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def token_issue(
    ctx: Context, slug: str, label: str | None, expires_in_days: int | None, as_json: bool
) -> None:
    """Issue a SCIM token and print it once; it is stored only as a hash."""
    at = now()
    expires_at = at + timedelta(days=expires_in_days) if expires_in_days else None
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        row, secret = issue_token(
            session, organization, kind="scim", at=at, label=label, expires_at=expires_at
        )
    emit_new_token(secret, row.id, expires_at, as_json)


@token.command("list")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def token_list(ctx: Context, slug: str, as_json: bool) -> None:
    """List the organization's SCIM tokens (never their secrets)."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        rows = session.scalars(
            select(ApiToken)
            .where(ApiToken.organization_id == organization.id, ApiToken.kind == "scim")
            .order_by(ApiToken.id)
        ).all()
        tokens = [
            {
                "id": row.id,
                "prefix": row.prefix,
                "label": row.label,
                "created_at": row.created_at.isoformat(),
                "expires_at": row.expires_at.isoformat() if row.expires_at else None,
                "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
                "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
            }
            for row in rows
        ]
    if as_json:
        click.echo(json.dumps(tokens))
        return
    for item in tokens:
        state = "revoked" if item["revoked_at"] else "live"
        click.echo(f"{item['id']:>5}  {item['prefix']}…  {state:<8} {item['label'] or ''}")


@token.command("revoke")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.argument("token_id", type=int)
@pass_context
def token_revoke(ctx: Context, slug: str, token_id: int) -> None:
    """Revoke a SCIM token by its id (see `token list`)."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        if not revoke_token(session, organization, token_id, at=now()):
            raise click.ClickException(f"No live token {token_id} in {slug}")
    click.echo(f"Token {token_id} revoked.")
