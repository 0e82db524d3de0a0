"""The demo organization: a Primary Owner, a SCIM token and 90 days of seat history."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import click
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from seat_core import (
    add_member,
    add_owner,
    create_organization,
    expiry_of,
    identity_key,
    release_seat,
)
from seat_core.models import ApiToken, Member, Organization

from ..clock import now
from ..passwords import hash_password
from ..tokens import find_token, issue_token, revoke_token
from . import Context, cli, pass_context
from .output import emit

SLUG = "demo"
OWNER_EMAIL = "owner@demo.test"
TOKEN_LABEL = "demo"
SEATS = 10
# Who joined (days before today) and who left: from 4 to 7 of 10 seats over 90 days, a pace
# at which seats run out before the term ends, so the forecast recommends a purchase.
HISTORY: tuple[tuple[str, int, int | None], ...] = (
    ("maria.garcia", 89, None),
    ("james.smith", 89, None),
    ("wei.chen", 89, None),
    ("fatima.ali", 89, None),
    ("aisha.khan", 66, None),
    ("olivia.brown", 45, 25),
    ("noah.wilson", 33, None),
    ("emma.jones", 14, None),
)


@dataclass
class TokenOutcome:
    """The demo SCIM token to print, and what happened to the earlier ones."""

    secret: str | None
    note: str


def seed_history(session: Session, organization: Organization, *, today: date) -> None:
    """Write the demo's members as the IdP would have: each take and release on its day."""
    leaving: list[tuple[datetime, Member]] = []
    for name, joined, left in HISTORY:
        at = datetime.combine(today - timedelta(days=joined), time(9, 30), UTC)
        user_name = f"{name}@demo.test"
        member = Member(
            organization_id=organization.id,
            user_name=user_name,
            user_name_key=identity_key(user_name),
            email=user_name,
            email_key=identity_key(user_name, what="email"),
            active=False,
            source="scim",
            scim={"userName": user_name, "emails": [{"value": user_name, "primary": True}]},
            created_at=at,
            updated_at=at,
        )
        add_member(session, member, at=at, active=True)
        session.flush()
        if left is not None:
            leaving.append((datetime.combine(today - timedelta(days=left), time(17), UTC), member))
    for at, member in leaving:
        release_seat(session, member, at=at)


def create_demo(session: Session, *, at: datetime) -> tuple[Organization, str]:
    """Create the demo organization, its Primary Owner and its history; return the password."""
    today = at.date()
    # The term began about eight months ago: 90 days of history fit inside it, and the
    # seats the forecast recommends for the rest of the term are a plausible purchase.
    start = (today - timedelta(days=240)).replace(day=1)
    organization = create_organization(
        session,
        slug=SLUG,
        name="Demo Company",
        seats=SEATS,
        price_per_seat_year_minor=36000,
        currency="USD",
        start=start,
        at=datetime.combine(start, time(9), UTC),
    )
    password = secrets.token_urlsafe(12)
    add_owner(
        session,
        organization,
        email=OWNER_EMAIL,
        role="primary_owner",
        at=at,
        password_hash=hash_password(password),
    )
    seed_history(session, organization, today=today)
    return organization, password


def demo_token(
    session: Session,
    organization: Organization,
    *,
    at: datetime,
    new: bool,
    token_file: Path | None,
    lifetime_days: int,
) -> TokenOutcome:
    """Keep the live demo token unless new is asked; say whenever one is revoked."""
    live = session.scalars(
        select(ApiToken)
        .where(
            ApiToken.organization_id == organization.id,
            ApiToken.kind == "scim",
            ApiToken.label == TOKEN_LABEL,
            ApiToken.revoked_at.is_(None),
            or_(ApiToken.expires_at.is_(None), ApiToken.expires_at > at),
        )
        .order_by(ApiToken.id)
    ).all()
    kept = token_file.read_text().strip() if token_file and token_file.exists() else ""
    if kept and not new and find_token(session, kept, kind="scim", at=at) in live:
        return TokenOutcome(kept, "kept from the earlier run; `make run NEW_TOKEN=1` replaces it")
    if live and not new and token_file is None:
        issued = ", ".join(row.created_at.date().isoformat() for row in live)
        return TokenOutcome(
            None,
            f"the demo token issued on {issued} stays live; it was printed then "
            "(`scim-gateway demo --new-token` revokes it and prints a new one)",
        )
    revoked = [row for row in live if new and revoke_token(session, organization, row.id, at=at)]
    expires_at = expiry_of(at=at, days=None, no_expiry=False, default_days=lifetime_days)
    _, secret = issue_token(
        session, organization, kind="scim", at=at, label=TOKEN_LABEL, expires_at=expires_at
    )
    if token_file is not None:
        token_file.parent.mkdir(parents=True, exist_ok=True)
        token_file.write_text(secret + "\n")
        token_file.chmod(0o600)
    if revoked:
        ids = ", ".join(str(row.id) for row in revoked)
        return TokenOutcome(secret, f"new; the earlier demo token (id {ids}) is revoked")
    if live:
        ids = ", ".join(str(row.id) for row in live)
        return TokenOutcome(secret, f"new; the earlier demo token (id {ids}) stays live")
    return TokenOutcome(secret, "new")


@cli.command("demo")
@click.option("--new-token", is_flag=True, help="Revoke the live demo SCIM token; issue another.")
@click.option(
    "--token-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Keep the demo token in this file, to print it again on the next run.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def demo(ctx: Context, new_token: bool, token_file: Path | None, as_json: bool) -> None:
    """Create the demo organization if absent, with its owner, token and history; print them."""
    at = now()
    with ctx.transaction() as session:
        organization = session.scalars(
            select(Organization).where(Organization.slug == SLUG)
        ).first()
        password = None
        if organization is None:
            organization, password = create_demo(session, at=at)
        token = demo_token(
            session,
            organization,
            at=at,
            new=new_token,
            token_file=token_file,
            lifetime_days=ctx.app.config["SCIM_TOKEN_LIFETIME_DAYS"],
        )
    base = ctx.app.config["PUBLIC_URL"]
    data: dict[str, Any] = {
        "organization": SLUG,
        "scim_base_url": f"{base}/scim/v2",
        "scim_token": token.secret,
        "scim_token_note": token.note,
        "owner_sign_in": f"{base}/admin/{SLUG}/login",
        "owner_email": OWNER_EMAIL,
        "owner_password": password,
    }
    if as_json:
        emit(data, as_json)
        return
    reset = f"scim-gateway owner reset-password --org {SLUG} --email {OWNER_EMAIL}"
    lines = [
        ("SCIM base URL", data["scim_base_url"]),
        ("SCIM token", f"{token.secret}  ({token.note})" if token.secret else token.note),
        ("Owners sign in at", data["owner_sign_in"]),
        ("Email", OWNER_EMAIL),
        ("Password", password or f"set when the demo was created; to reset it: {reset}"),
    ]
    width = max(len(label) for label, _ in lines)
    for label, value in lines:
        click.echo(f"{label + ':':<{width + 1}}  {value}")
