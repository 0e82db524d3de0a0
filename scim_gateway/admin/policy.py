"""The seat policy form of Billing settings: licensed groups, reclamation, exempt groups."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for

from seat_core import InvalidPolicy, PolicyView, ReleasesUnconfirmed, policy_of, set_policy
from seat_core.models import MIN_RECLAIM_DAYS

from ..clock import now
from ..db import transaction
from . import bp
from .auth import owner_required
from .formatting import plural


def seat_policy(session: Any) -> PolicyView:
    """Return the organization's seat policy, for the Billing settings page."""
    return policy_of(session, g.organization.id)


def _names(text: str) -> list[str]:
    """Read group names typed one per line; blank lines are skipped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def _days(text: str) -> int | None:
    text = text.strip()
    if not text:
        return None
    if not text.isdigit():
        raise InvalidPolicy(
            f"“{text[:20]}” is not a number of days: enter {MIN_RECLAIM_DAYS} or more, "
            "or leave it empty."
        )
    return int(text)


@bp.post("/<org>/billing/policy")
@owner_required(primary=True)
def save_seat_policy(org: str) -> Any:
    """Save the seat policy; a change that would release seats is confirmed first."""
    form = request.form
    try:
        days = _days(form.get("reclaim_after_days", ""))
        with transaction() as session:
            _, synced = set_policy(
                session,
                g.organization.id,
                at=now(),
                licensed_groups=_names(form.get("licensed_groups", "")),
                reclaim_after_days=days,
                exempt_groups=_names(form.get("exempt_groups", "")),
                confirm_releases=form.get("confirm_releases") == "yes",
            )
    except ReleasesUnconfirmed as error:
        # Not the blueprint's answer: the owner confirms the releases on a page of their own.
        return render_template("admin/confirm_policy.html", releases=error.releases, form=form)
    except InvalidPolicy as error:
        # Not the blueprint's answer: the message says the whole policy was not saved.
        flash(f"The seat policy was not saved: {error}", "error")
        return redirect(url_for("admin.billing", org=org) + "#policy-heading")
    message = "Seat policy saved."
    changes = [
        (len(synced.taken), "took a seat"),
        (len(synced.released), "gave up their seat"),
        (len(synced.queued), "wait for a seat"),
    ]
    done = [f"{plural(count, 'member')} {what}" for count, what in changes if count]
    if done:
        message += " " + "; ".join(done) + "."
    flash(message, "success")
    return redirect(url_for("admin.billing", org=org) + "#policy-heading")
