"""Commands for the seat policy: `seats policy` sets it, `seats reclaim` applies reclamation."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime, time
from typing import Any

import click

from seat_core import (
    ReleasesUnconfirmed,
    get_organization,
    policy_of,
    reclaim_due,
    set_policy,
)
from seat_core.models import Organization

from ..clock import now
from . import Context, pass_context
from .output import emit
from .seats import seats


@seats.command("policy")
@click.option("--org", "slug", required=True, help="Organization slug.")
@click.option(
    "--licensed-group",
    "licensed",
    multiple=True,
    help="An IdP group (displayName) whose members get seats; repeat for several. "
    "Replaces the licensed groups.",
)
@click.option("--no-licensed-groups", is_flag=True, help="Seats no longer follow groups.")
@click.option(
    "--reclaim-after-days",
    type=int,
    help="Release a seat whose holder has not signed in for this many days (at least 14).",
)
@click.option("--no-reclaim", is_flag=True, help="Never reclaim seats.")
@click.option(
    "--exempt-group",
    "exempt",
    multiple=True,
    help="An IdP group whose members are never reclaimed; repeat for several. "
    "Replaces the exempt groups.",
)
@click.option("--no-exempt-groups", is_flag=True, help="Exempt no group from reclamation.")
@click.option(
    "--yes",
    "confirm",
    is_flag=True,
    help="Release the seats of holders in none of the new licensed groups.",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def seats_policy(
    ctx: Context,
    slug: str,
    licensed: tuple[str, ...],
    no_licensed_groups: bool,
    reclaim_after_days: int | None,
    no_reclaim: bool,
    exempt: tuple[str, ...],
    no_exempt_groups: bool,
    confirm: bool,
    as_json: bool,
) -> None:
    """Show the seat policy, changing the parts given; others stay as they are.

    A change of licensed groups that would release seats prints how many and whose, saves
    nothing and exits 1, unless --yes is given.
    """
    if licensed and no_licensed_groups:
        raise click.UsageError("Give --licensed-group or --no-licensed-groups, not both.")
    if reclaim_after_days is not None and no_reclaim:
        raise click.UsageError("Give --reclaim-after-days or --no-reclaim, not both.")
    if exempt and no_exempt_groups:
        raise click.UsageError("Give --exempt-group or --no-exempt-groups, not both.")
    changes: dict[str, Any] = {}
    if licensed or no_licensed_groups:
        changes["licensed_groups"] = list(licensed)
    if reclaim_after_days is not None or no_reclaim:
        changes["reclaim_after_days"] = None if no_reclaim else reclaim_after_days
    if exempt or no_exempt_groups:
        changes["exempt_groups"] = list(exempt)
    try:
        data = _apply(ctx, slug, changes, confirm=confirm)
    except ReleasesUnconfirmed as error:
        if as_json:
            click.echo(json.dumps(error.releases.as_json()))
        else:
            click.echo(f"{error.releases.describe()} Nothing was saved: add --yes to release them.")
        raise SystemExit(1) from None
    if as_json:
        click.echo(json.dumps(data))
        return
    emit({key: _text(value) for key, value in data.items()}, False)


def _apply(ctx: Context, slug: str, changes: dict[str, Any], *, confirm: bool) -> dict[str, Any]:
    """Change the policy (if anything is to change) and return what to print."""
    with ctx.transaction() as session:
        organization = get_organization(session, slug)
        if changes:
            view, synced = set_policy(
                session, organization.id, at=now(), confirm_releases=confirm, **changes
            )
            data = {
                **view.as_json(),
                "seats_taken": len(synced.taken),
                "seats_released": len(synced.released),
                "queued": len(synced.queued),
            }
        else:
            data = policy_of(session, organization.id).as_json()
    return data


def _text(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(value) if value else "none"
    return "off" if value is None else str(value)


@seats.command("reclaim")
@click.option("--org", "slug", help="Only this organization (default: every one).")
@click.option(
    "--on",
    type=click.DateTime(["%Y-%m-%d"]),
    help="Act as if today were this date (default: today in each billing time zone).",
)
@click.option("--json", "as_json", is_flag=True, help="Print JSON.")
@pass_context
def seats_reclaim(ctx: Context, slug: str | None, on: Any, as_json: bool) -> None:
    """Warn of and release dormant seats, once: running it again the same day does nothing."""
    day: date | None = on.date() if on is not None else None
    at = datetime.combine(day, time(12), UTC) if day is not None else now()
    with ctx.transaction() as session:
        organization_id = get_organization(session, slug).id if slug else None
        results = reclaim_due(session, at=at, on=day, organization_id=organization_id)
        slugs = {
            result.organization_id: session.get_one(Organization, result.organization_id).slug
            for result in results
        }
        data = [
            {
                "org": slugs[result.organization_id],
                "on": result.on.isoformat(),
                "reclaimed": [dormant.as_json() for dormant in result.released],
                "warned": [dormant.as_json() for dormant in result.warned],
            }
            for result in results
        ]
    if as_json:
        click.echo(json.dumps({"organizations": data}))
        return
    for item in data:
        click.echo(
            f"{item['org']} on {item['on']}: {len(item['reclaimed'])} seat(s) reclaimed, "
            f"{len(item['warned'])} warned of"
        )
        for dormant in item["reclaimed"]:
            click.echo(f"  reclaimed  {dormant['user_name']}")
        for dormant in item["warned"]:
            click.echo(f"  warned     {dormant['user_name']}: reclaimed on {dormant['reclaim_on']}")
