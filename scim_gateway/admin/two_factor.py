"""A second factor for owners, when their organization requires one (a Primary Owner's choice).

Owners signing in with a password then give a TOTP code; one without an authenticator yet
enrols it right after proving the password, before the session opens. SSO sign-ins rely on
the identity provider's own factors.
"""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from seat_core import events, get_organization
from seat_core.models import Organization, Owner

from .. import i18n
from ..clock import now
from ..crypto import decrypt, encrypt
from ..db import transaction
from ..owner_sessions import login_owner
from ..totp import accept_once, matching_step, new_totp_secret, provisioning_uri, qr_svg
from . import bp
from .auth import owner_required

PENDING = "owner_totp_pending"


def second_factor(db: Session, organization: Organization, owner: Owner, target: Any) -> Any:
    """Return the response that stops a password sign-in for its second factor, or None."""
    if not organization.owner_totp_required:
        return None
    if owner.totp_secret_encrypted is None:
        # The password is proven: what is left is to enrol, on a page of its own.
        session[PENDING] = {
            "org": organization.slug,
            "owner": owner.id,
            "secret": encrypt(new_totp_secret()),
        }
        return redirect(url_for("admin.enrol_second_factor", org=organization.slug))
    if accept_once(db, owner, request.form.get("code", ""), at=now()):
        return None
    flash(_("Wrong email, password or code (each code works once)."), "error")
    page = render_template(
        "admin/login.html", organization=organization, next=target, email=owner.email
    )
    return page, 401


@bp.route("/<org>/two-factor", methods=["GET", "POST"])
def enrol_second_factor(org: str) -> Any:
    """Enrol an authenticator app, then sign the owner in."""
    pending = session.get(PENDING)
    if not isinstance(pending, dict) or pending.get("org") != org:
        return redirect(url_for("admin.login", org=org))
    secret = decrypt(pending["secret"])
    with transaction() as db:
        owner = db.get(Owner, pending["owner"])
        organization = get_organization(db, org)
        i18n.for_organization(organization.language)
        if owner is None or owner.organization_id != organization.id:
            session.pop(PENDING, None)
            return redirect(url_for("admin.login", org=org))
        step = (
            matching_step(secret, request.form.get("code", ""), at=now())
            if request.method == "POST"
            else None
        )
        if step is None:
            if request.method == "POST":
                flash(_("That code is not the one your app shows now: try the next one."), "error")
            uri = provisioning_uri(secret, owner.email)
            page = render_template(
                "admin/two_factor.html", organization=organization, qr=qr_svg(uri), secret=secret
            )
            return page, 422 if request.method == "POST" else 200
        owner.totp_secret_encrypted, owner.totp_last_step = encrypt(secret), step
        login_owner(owner)
    session.pop(PENDING, None)
    return redirect(url_for("admin.billing", org=org))


@bp.post("/<org>/owners/two-factor")
@owner_required(primary=True)
def require_second_factor(org: str) -> Any:
    """Require, or stop requiring, a TOTP code of owners signing in with a password."""
    required = request.form.get("required") == "on"
    with transaction() as db:
        organization = get_organization(db, org)
        if organization.owner_totp_required != required:
            organization.owner_totp_required = required
            events.record(
                db, organization.id, "organization.changed", at=now(),
                subject=organization.slug, data={"owner_totp_required": required},
            )  # fmt: skip
    flash(
        _("Owners now need a code from an app to sign in.")
        if required
        else _("Owners sign in with a password alone."),
        "info",
    )
    return redirect(url_for("admin.owners", org=g.organization.slug))
