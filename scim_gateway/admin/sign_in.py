"""Owner sign-in with email and password, and sign-out."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _

from seat_core import (
    email_key,
    find_owner,
    get_organization,
    record_owner_sign_in_failure,
)
from seat_core.errors import SeatError
from seat_core.models import SsoConfig
from seat_core.text import refused_character

from .. import i18n
from ..clock import now
from ..db import read_only, transaction
from ..owner_sessions import login_owner, logout_owner
from ..passwords import verify_password
from ..ratelimit import hit
from . import bp
from .auth import current_owner
from .two_factor import second_factor


def _safe_next(slug: str, target: str | None) -> str:
    """Return target if it is a path under this organization's admin pages, else Billing."""
    default = url_for("admin.billing", org=slug)
    # A control character (CR and LF above all) cannot stand in a Location header, and
    # urlsplit drops TAB, CR and LF before the checks below would see them.
    if not target or any(ord(char) < 0x20 for char in target) or refused_character(target):
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not parts.path.startswith(f"/admin/{slug}/"):
        return default
    return target.rstrip("?")


@bp.route("/<org>/login", methods=["GET", "POST"])
def login(org: str) -> Any:
    """Sign an owner in with email and password."""
    target = request.values.get("next")
    if request.method == "GET":
        with transaction() as session:
            organization = get_organization(session, org)
            i18n.for_organization(organization.language)
            if current_owner(session, org) is not None:
                return redirect(_safe_next(org, target))
            has_sso = session.get(SsoConfig, organization.id) is not None
            return render_template(
                "admin/login.html", organization=organization, next=target, sso=has_sso
            )

    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    try:
        key = email_key(email)
    except SeatError:
        # Not an answer: an address that is no email is still rate-limited, by its text.
        key = email.casefold()
    limit = current_app.config["LOGIN_RATE_LIMIT"]
    wait = hit(limit, "owner-sign-in", org, key)
    with transaction() as session:
        organization = get_organization(session, org)
        i18n.for_organization(organization.language)
        if wait is not None:
            flash(
                _("Too many sign-in attempts. Try again in %(seconds)d seconds.", seconds=wait),
                "error",
            )
            response = current_app.make_response(
                (
                    render_template(
                        "admin/login.html", organization=organization, next=target, email=email
                    ),
                    429,
                )
            )
            response.headers["Retry-After"] = str(wait)
            return response
        owner = find_owner(session, organization, email) if email else None
        # Verified even for an unknown email, so that a miss takes as long as a hit.
        if not verify_password(owner.password_hash if owner else None, password) or not owner:
            record_owner_sign_in_failure(
                session, organization, email=email, via="password", at=now()
            )
            flash(_("Wrong email or password."), "error")
            return (
                render_template(
                    "admin/login.html", organization=organization, next=target, email=email
                ),
                401,
            )
        stopped = second_factor(session, organization, owner, target)
        if stopped is not None:
            return stopped
        login_owner(owner)
    current_app.extensions["ratelimits"].clear(limit, "owner-sign-in", org, key)
    return redirect(_safe_next(org, target))


@bp.get("/<org>/logout")
def confirm_logout(org: str) -> Any:
    """Ask before signing out, so that a link from another site signs no one out."""
    with read_only() as session:
        organization = get_organization(session, org)
        i18n.for_organization(organization.language)
        return render_template("admin/logout.html", organization=organization)


@bp.post("/<org>/logout")
def logout(org: str) -> Any:
    """Sign the owner out: the session ends at the server, whatever copies its cookie had."""
    with transaction() as session:
        logout_owner(session)
    flash(_("You are signed out."), "info")
    return redirect(url_for("admin.login", org=org))
