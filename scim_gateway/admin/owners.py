"""The owners' page: who owns the organization; a Primary Owner invites more by email."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _

from seat_core import get_organization, owners_of
from seat_core.orgs import InvalidOwner

from ..clock import now
from ..db import read_only, transaction
from ..operator.invites import invite
from . import bp
from .auth import ROLE_NAMES, owner_required


def page(*, status: int = 200, error: str | None = None, email: str = "") -> Any:
    """Render the owners' page."""
    with read_only() as session:
        owners = owners_of(session, g.organization.id)
    body = render_template(
        "admin/owners.html", owners=owners, roles=ROLE_NAMES, error=error, email=email
    )
    return body, status


@bp.get("/<org>/owners")
@owner_required()
def owners(org: str) -> Any:
    """List the organization's owners and, for a Primary Owner, the invitation form."""
    return page()


@bp.post("/<org>/owners")
@owner_required(primary=True)
def invite_owner(org: str) -> Any:
    """Mail an invitation: a single-use link, valid 7 days, to set a password."""
    email = request.form.get("email", "").strip()
    role = request.form.get("role", "owner")
    if role not in ROLE_NAMES:
        return page(status=422, error=_("Choose Primary Owner or Owner."), email=email)
    with transaction() as session:
        organization = get_organization(session, org)
        owner = invite(session, organization, email=email, role=role, at=now())
        flash(
            _(
                "Invitation mailed to %(email)s; the link works once, for 7 days.",
                email=owner.email,
            ),
            "info",
        )
    return redirect(url_for("admin.owners", org=org))


@bp.errorhandler(InvalidOwner)
def invalid_owner(error: InvalidOwner) -> Any:
    """Show the owners' page again with what is wrong with the address."""
    return page(status=422, error=error.message, email=request.form.get("email", ""))
