"""Commands for the vendor's operators: the tokens of the operator API."""

from __future__ import annotations

import json

import click

from ..clock import now
from ..operator.mail import send_operator_invitation
from ..operator.people import add_operator
from ..operator.tokens import (
    DEFAULT_DAYS,
    MAX_DAYS,
    issue_operator_token,
    operator_tokens,
    revoke_operator_token,
)
from ..outbox.mail import MailFailed
from . import Context, cli, pass_context
from .output import emit_new_token


@cli.group()
def operator() -> None:
    """Manage the vendor's operators and the tokens of the operator API."""


@operator.command("add")
@click.option("--email", required=True, help="The operator's email; the invitation goes there.")
@pass_context
def operator_add(ctx: Context, email: str) -> None:
    """Add an operator and mail a link (once, 7 days) to set a password and TOTP."""
    at = now()
    with ctx.transaction() as session:
        row, secret = add_operator(session, email=email, at=at)
        link = f"{ctx.app.config['PUBLIC_URL'].rstrip('/')}/operator/welcome?token={secret}"
        # Sent before the commit: if the mail cannot go, no link is left that nobody has.
        try:
            send_operator_invitation(ctx.app.config, email=row.email, link=link, at=at)
        except MailFailed as error:
            raise click.ClickException(f"The invitation could not be mailed: {error}") from None
    click.echo(f"Invited operator {row.email}; the link is in their mail.")


@operator.group("token")
def operator_token() -> None:
    """Issue, list and revoke operator API tokens."""


@operator_token.command("issue")
@click.option("--label", required=True, help="Who or what uses the token, like crm-sync.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(min=1, max=MAX_DAYS),
    default=DEFAULT_DAYS,
    show_default=True,
    help="Days until the token expires.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def token_issue(ctx: Context, label: str, expires_in_days: int, as_json: bool) -> None:
    """Issue an operator token and print it once; it is stored only as a hash."""
    with ctx.transaction() as session:
        row, secret = issue_operator_token(session, label=label, at=now(), days=expires_in_days)
    emit_new_token(secret, row.id, row.expires_at, as_json)


@operator_token.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def token_list(ctx: Context, as_json: bool) -> None:
    """List operator tokens (never their secrets)."""
    at = now()
    with ctx.transaction() as session:
        tokens = [
            {
                "id": row.id,
                "prefix": row.prefix,
                "label": row.label,
                "created_at": row.created_at.isoformat(),
                "expires_at": row.expires_at.isoformat(),
                "revoked_at": row.revoked_at.isoformat() if row.revoked_at else None,
                "last_used_at": row.last_used_at.isoformat() if row.last_used_at else None,
                "live": row.revoked_at is None and row.expires_at > at,
            }
            for row in operator_tokens(session)
        ]
    if as_json:
        click.echo(json.dumps(tokens))
        return
    for item in tokens:
        state = "live" if item["live"] else ("revoked" if item["revoked_at"] else "expired")
        click.echo(f"{item['id']:>5}  {item['prefix']}…  {state:<8} {item['label']}")


@operator_token.command("revoke")
@click.argument("token_id", type=int)
@pass_context
def token_revoke(ctx: Context, token_id: int) -> None:
    """Revoke an operator token by its id (see `operator token list`)."""
    with ctx.transaction() as session:
        revoke_operator_token(session, token_id, at=now())
    click.echo(f"Operator token {token_id} revoked.")
