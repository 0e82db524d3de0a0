"""The seat policy form of Billing settings: licensed groups, reclamation, exempt groups."""

from __future__ import annotations

import re
from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext

from seat_core import (
    MAX_RECLAIM_DAYS,
    InvalidPolicy,
    ReleasesUnconfirmed,
    parse_groups,
    set_policy,
)
from seat_core.models import MIN_RECLAIM_DAYS

from ..clock import now
from ..db import transaction
from . import bp
from .auth import owner_required
from .billing import billing_page

FIELDS = ("licensed_groups", "reclaim_after_days", "exempt_groups")
# How a group field is named in the seat core's messages about its group names.
GROUPS_IN_WORDS = {"licensed_groups": "the licensed groups", "exempt_groups": "the exempt groups"}


def _names(text: str) -> list[str]:
    """Read group names typed one per line; blank lines are skipped."""
    return [line.strip() for line in text.splitlines() if line.strip()]


def read_policy_form(form: Any) -> tuple[dict[str, Any], dict[str, dict[str, Any]]]:
    """Return the policy the form asks for, and what is wrong with each field that is.

    An error is a code the page puts in words beside its field, with what it needs.
    """
    values: dict[str, Any] = {}
    errors: dict[str, dict[str, Any]] = {}
    days = form.get("reclaim_after_days", "").strip()
    values["reclaim_after_days"] = None
    if days and not re.fullmatch(r"[0-9]{1,9}", days):
        errors["reclaim_after_days"] = {"code": "not_a_number", "typed": days[:20]}
    elif days and not MIN_RECLAIM_DAYS <= int(days) <= MAX_RECLAIM_DAYS:
        errors["reclaim_after_days"] = {"code": "out_of_range", "typed": days}
    elif days:
        values["reclaim_after_days"] = int(days)
    for field, words in GROUPS_IN_WORDS.items():
        names = _names(form.get(field, ""))
        values[field] = names
        try:
            parse_groups(names, what=words)
        except InvalidPolicy as error:  # form checking: the error goes beside its field
            errors[field] = {"code": "invalid", "reason": str(error)}
    return values, errors


@bp.post("/<org>/billing/policy")
@owner_required(primary=True)
def save_seat_policy(org: str) -> Any:
    """Save the seat policy; a change that would release seats is confirmed first."""
    form = request.form
    values, errors = read_policy_form(form)
    if errors:
        # Shown again as typed, each mistake beside its field.
        typed = {name: form.get(name, "") for name in FIELDS}
        return billing_page(policy_form=typed, policy_errors=errors)
    try:
        with transaction() as session:
            _view, synced = set_policy(
                session,
                g.organization.id,
                at=now(),
                confirm_releases=form.get("confirm_releases") == "yes",
                **values,
            )
    except ReleasesUnconfirmed as error:
        # Not the blueprint's answer: the owner confirms the releases on a page of their own.
        return render_template("admin/confirm_policy.html", releases=error.releases, form=form)
    except InvalidPolicy as error:
        # Not the blueprint's answer: the errors are shown beside the fields, as typed.
        typed = {name: form.get(name, "") for name in FIELDS}
        return billing_page(policy_form=typed, policy_errors={"form": {"reason": str(error)}})
    done = []
    if synced.taken:
        count = len(synced.taken)
        done.append(ngettext("%(num)d member took a seat", "%(num)d members took a seat", count))
    if synced.released:
        count = len(synced.released)
        done.append(
            ngettext(
                "%(num)d member gave up their seat", "%(num)d members gave up their seat", count
            )
        )
    if synced.queued:
        count = len(synced.queued)
        done.append(
            ngettext("%(num)d member waits for a seat", "%(num)d members wait for a seat", count)
        )
    message = (
        _("Seat policy saved. %(changes)s.", changes="; ".join(done))
        if done
        else _("Seat policy saved.")
    )
    # Shown in the seat policy section, where the page opens, not at the top.
    flash(message, "success@policy")
    return redirect(url_for("admin.billing", org=org) + "#policy-heading")
