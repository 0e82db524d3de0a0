"""Commands for owners and their API tokens."""

from __future__ import annotations

import json
import secrets
import sys

import click

from seat_core import add_owner, find_owner, get_organization, owners_of
from seat_core.accounts import remove_owner

from ..clock import now
from ..operator.invites import invite
from ..passwords import hash_password
from ..tokens import issue_token, revoke_owner_tokens
from . import Context, cli, pass_context
from .output import emit_new_token
from .tokens import expiry_from

MIN_PASSWORD_LENGTH = 12
ROLES = {"primary_owner": "Primary Owner", "owner": "Owner"}


def read_password() -> str:
    """Prompt twice on a terminal; otherwise read the first line of stdin."""
    if sys.stdin.isatty():
        password: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    else:
        password = sys.stdin.readline().rstrip("\r\n")
    if len(password) < MIN_PASSWORD_LENGTH:
        raise click.ClickException(
            f"The password must have at least {MIN_PASSWORD_LENGTH} characters."
        )
    return password


@cli.group()
def owner() -> None:
    """Add and list owners of an organization, and issue their API tokens."""


@owner.command("add")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--email", required=True, help="The owner's email; it is their sign-in name.")
@click.option(
    "--role",
    type=click.Choice(sorted(ROLES)),
    default="owner",
    show_default=True,
    help="primary_owner can buy seats; owner can not.",
)
@click.option(
    "--sso-only",
    is_flag=True,
    help="Set no password: the owner signs in through the organization's SSO only.",
)
@pass_context
def owner_add(ctx: Context, slug: str, email: str, role: str, sso_only: bool) -> None:
    """Add an owner, or change an existing one's role and password.

    The password is read from stdin (one line), or prompted for on a terminal.
    """
    password_hash = None if sso_only else hash_password(read_password())
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        existed = find_owner(session, organization, email) is not None
        row = add_owner(
            session, organization, email=email, role=role, at=now(), password_hash=password_hash
        )
        sign_in = f"{ctx.app.config['PUBLIC_URL']}/admin/{slug}/login"
        verb = "Updated" if existed else "Added"
        click.echo(f"{verb} {ROLES[row.role]} {row.email} of {slug}; sign in at {sign_in}")


@owner.command("invite")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--email", required=True, help="The owner's email; the invitation goes there.")
@click.option(
    "--role",
    type=click.Choice(sorted(ROLES)),
    default="owner",
    show_default=True,
    help="primary_owner can buy seats; owner can not.",
)
@pass_context
def owner_invite(ctx: Context, slug: str, email: str, role: str) -> None:
    """Invite an owner by email: a single-use link, valid 7 days, sets their password."""
    with ctx.transaction() as session:
        row = invite(session, get_organization(session, slug), email=email, role=role, at=now())
        click.echo(f"Invited {ROLES[row.role]} {row.email} of {slug}; the mail is queued.")


@owner.command("list")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def owner_list(ctx: Context, slug: str, as_json: bool) -> None:
    """List the organization's owners, Primary Owners first."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        rows = [
            {
                "id": row.id,
                "email": row.email,
                "role": row.role,
                "password": row.password_hash is not None,
                "created_at": row.created_at.isoformat(),
            }
            for row in owners_of(session, organization.id)
        ]
    if as_json:
        click.echo(json.dumps(rows))
        return
    if not rows:
        click.echo(f"{slug} has no owners yet: add one with `scim-gateway owner add`.")
    for row in rows:
        how = "password" if row["password"] else "SSO only"
        click.echo(f"{row['email']:<40}  {ROLES[str(row['role'])]:<13}  {how}")


@owner.command("reset-password")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--email", required=True, help="The owner whose password is reset.")
@click.option(
    "--stdin", "from_stdin", is_flag=True, help="Read the new password from stdin (one line)."
)
@pass_context
def owner_reset_password(ctx: Context, slug: str, email: str, from_stdin: bool) -> None:
    """Give an owner a new password: a generated one, printed once, or one read from stdin."""
    password = read_password() if from_stdin else secrets.token_urlsafe(12)
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        row = find_owner(session, organization, email)
        if row is None:
            raise click.ClickException(f"{email} is not an owner of {slug}.")
        row.password_hash = hash_password(password)
    sign_in = f"{ctx.app.config['PUBLIC_URL']}/admin/{slug}/login"
    if from_stdin:
        click.echo(f"The password of {email} is reset; sign in at {sign_in}")
    else:
        click.echo(f"New password of {email}: {password}  (shown once; sign in at {sign_in})")


@owner.command("token")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--email", required=True, help="The owner the token acts for.")
@click.option("--label", help="What the token is for, like billing-script.")
@click.option(
    "--expires-in-days",
    type=click.IntRange(min=1),
    help="Days the token lives (default SCIM_GATEWAY_API_TOKEN_LIFETIME_DAYS, 365).",
)
@click.option("--no-expiry", is_flag=True, help="Issue a token that never expires.")
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def owner_token(
    ctx: Context,
    slug: str,
    email: str,
    label: str | None,
    expires_in_days: int | None,
    no_expiry: bool,
    as_json: bool,
) -> None:
    """Issue an API token acting for an owner and print it once (it is stored as a hash)."""
    at = now()
    expires_at = expiry_from(
        ctx, at=at, days=expires_in_days, no_expiry=no_expiry, setting="API_TOKEN_LIFETIME_DAYS"
    )
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        row = find_owner(session, organization, email)
        if row is None:
            raise click.ClickException(f"{email} is not an owner of {slug}.")
        token, secret = issue_token(
            session,
            organization,
            kind="api",
            at=at,
            owner_id=row.id,
            label=label,
            expires_at=expires_at,
        )
    emit_new_token(secret, token.id, expires_at, as_json)


@owner.command("remove")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option("--email", required=True, help="The owner to remove.")
@pass_context
def owner_remove(ctx: Context, slug: str, email: str) -> None:
    """Remove an owner; their API tokens stop working and their sessions end."""
    at = now()
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        row = find_owner(session, organization, email)
        if row is None:
            raise click.ClickException(f"{email} is not an owner of {slug}.")
        # Revoked first, so that the event log says each of them stopped working.
        revoke_owner_tokens(session, row.id, at=at)
        remove_owner(session, organization, row.id, at=at)
    click.echo(f"Removed {email} from the owners of {slug}.")
