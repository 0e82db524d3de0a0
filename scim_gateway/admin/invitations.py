"""Owners set their password from a mailed link (an invitation or a reset), then are signed in."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from seat_core import OrganizationNotFound, email_key, find_owner, get_organization
from seat_core.errors import SeatError
from seat_core.invitations import LinkRefused, check_link, use_link
from seat_core.models import Owner

from .. import i18n
from ..clock import now
from ..db import read_only, transaction
from ..operator.invites import reset
from ..owner_sessions import login_owner
from ..passwords import hash_password
from ..ratelimit import hit
from . import bp
from .two_factor import second_factor

MIN_PASSWORD_LENGTH = 12


@bp.errorhandler(LinkRefused)
def link_refused(error: LinkRefused) -> Any:
    """Answer a used, expired or foreign link with a page that offers a new one."""
    org = (request.view_args or {}).get("org", "")
    message = _(
        "This link has been used, has expired, or is not for this organization. Ask for a new one."
    )
    return render_template("admin/link_refused.html", message=message, slug=org), 410


def _no_referrer(response: Any) -> Any:
    # The link's secret is in the URL: no other site may read it from a Referer.
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


@bp.route("/<org>/password", methods=["GET", "POST"])
def set_password(org: str) -> Any:
    """Show the form that sets an owner's password from a link, and set it once."""
    token = request.values.get("token", "")
    if request.method == "GET":
        with read_only() as session:
            organization = get_organization(session, org)
            i18n.for_organization(organization.language)
            link = check_link(session, organization, token, at=now())
            owner_email = find_email(session, link.owner_id)
            page = render_template(
                "admin/set_password.html", organization=organization, token=token, email=owner_email
            )
        return _no_referrer(current_app.make_response(page))
    password = request.form.get("password", "")
    problem = None
    if len(password) < MIN_PASSWORD_LENGTH:
        problem = _(
            "Choose a password of at least %(count)d characters.", count=MIN_PASSWORD_LENGTH
        )
    elif password != request.form.get("confirm", ""):
        problem = _("The two passwords differ.")
    with transaction() as session:
        organization = get_organization(session, org)
        i18n.for_organization(organization.language)
        if problem is not None:
            link = check_link(session, organization, token, at=now())
            flash(problem, "error")
            page = render_template(
                "admin/set_password.html",
                organization=organization,
                token=token,
                email=find_email(session, link.owner_id),
            )
            return _no_referrer(current_app.make_response((page, 422)))
        owner = use_link(
            session, organization, token, password_hash=hash_password(password), at=now()
        )
        # A required second factor is enrolled before the session opens; an owner who has
        # one signs in with it.
        if organization.owner_totp_required and owner.totp_secret_encrypted is not None:
            flash(_("Your password is set: sign in with it and your code."), "info")
            return redirect(url_for("admin.login", org=org))
        stopped = second_factor(session, organization, owner, None)
        if stopped is not None:
            return stopped
        login_owner(owner)
    flash(_("Your password is set; you are signed in."), "info")
    return redirect(url_for("admin.billing", org=org))


def find_email(session: Session, owner_id: int) -> str:
    """Return the email of an owner by id."""
    owner = session.get(Owner, owner_id)
    return owner.email if owner is not None else ""


@bp.route("/<org>/password-reset", methods=["GET", "POST"])
def reset_password(org: str) -> Any:
    """Mail a link to set a new password; the answer never tells whether the address is known."""
    with read_only() as session:
        organization = get_organization(session, org)
        i18n.for_organization(organization.language)
    if request.method == "GET":
        return render_template("admin/reset_password.html", organization=organization)
    email = request.form.get("email", "").strip()
    try:
        key = email_key(email)
    except SeatError:  # an unusable address gets the same answer as an unknown one
        key = email.casefold()
    wait = hit(current_app.config["LOGIN_RATE_LIMIT"], "owner-reset", org, key)
    if wait is None and email:
        with transaction() as session:
            organization = get_organization(session, org)
            owner = find_owner(session, organization, email)
            if owner is not None:
                reset(session, organization, owner, at=now())
    # The same page whatever happened, so that it tells nobody who is an owner.
    return render_template("admin/reset_sent.html", organization=organization)


@bp.errorhandler(OrganizationNotFound)
def organization_not_found(error: OrganizationNotFound) -> Any:
    """Answer an unknown organization in the URL with the not-found page."""
    slug = (request.view_args or {}).get("org", "")
    return render_template("admin/not_found.html", slug=slug), 404
