"""Owner sessions, the owner_required decorator and CSRF tokens for every form under /admin.

The session contract other parts rely on:

- ``session["owner_id"]``: the signed-in owner's id (int);
- ``session["org"]``: the slug of the organization they signed in to;
- ``session["signed_in_at"]``: when they signed in, ISO 8601 in UTC;
- ``session["csrf_token"]``: the per-session CSRF secret; every POST under /admin must send
  it back in the form field ``csrf_token`` (or the ``X-CSRF-Token`` header).
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, TypeVar, cast

from flask import (
    current_app,
    g,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from sqlalchemy import select
from sqlalchemy.orm import Session, object_session

from seat_core.models import Organization, Owner

from ..clock import now
from ..db import read_only
from .banner import pending_banner

CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
ROLE_NAMES = {"primary_owner": "Primary Owner", "owner": "Owner"}

View = TypeVar("View", bound=Callable[..., Any])


def login_owner(owner: Owner) -> None:
    """Start a fresh owner session (after password or SSO sign-in)."""
    db_session = object_session(owner)
    assert db_session is not None, "login_owner needs an owner loaded in a session"
    organization = db_session.get(Organization, owner.organization_id)
    assert organization is not None
    # Clearing first drops any pre-sign-in state, CSRF token included (session fixation).
    session.clear()
    session["owner_id"] = owner.id
    session["org"] = organization.slug
    session["signed_in_at"] = now().isoformat()
    session.permanent = True


def logout_owner() -> None:
    """End the owner session."""
    session.clear()


def session_expired() -> bool:
    """Tell whether the session's sign-in is older than SESSION_LIFETIME_MINUTES."""
    try:
        signed_in_at = datetime.fromisoformat(str(session["signed_in_at"]))
    except (KeyError, ValueError):
        return True
    lifetime = timedelta(minutes=int(current_app.config["SESSION_LIFETIME_MINUTES"]))
    return signed_in_at.tzinfo is None or now() - signed_in_at >= lifetime


def current_owner(db_session: Session, slug: str) -> Owner | None:
    """Return the owner signed in to the organization slug, or None."""
    owner_id = session.get("owner_id")
    if session.get("org") != slug or not isinstance(owner_id, int) or session_expired():
        return None
    owner = db_session.get(Owner, owner_id)
    if owner is None:
        return None
    organization = db_session.get(Organization, owner.organization_id)
    if organization is None or organization.slug != slug:
        return None
    return owner


def forbidden(message: str) -> Any:
    """Return the 403 page."""
    return make_response(render_template("admin/forbidden.html", message=message), 403)


def owner_required(primary: bool = False) -> Callable[[View], View]:
    """Let only owners of the view's ``org`` in (only Primary Owners when primary is True).

    Sets ``g.owner`` and ``g.organization`` (detached, read-only copies) and ``g.banner``
    (the pending seat requests banner) before the view runs.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            slug = kwargs["org"]
            # Checked in a short session of its own: on SQLite every transaction holds
            # the write lock, so it must end before the view opens its transaction.
            with read_only() as db_session:
                organization = db_session.scalars(
                    select(Organization).where(Organization.slug == slug)
                ).first()
                if organization is None:
                    return make_response(render_template("admin/not_found.html", slug=slug), 404)
                owner = current_owner(db_session, slug)
                if owner is None:
                    elsewhere = session.get("org") not in (None, slug)
                    if elsewhere and not session_expired():
                        return forbidden("You are not an owner of this organization.")
                    # Signed out, expired, or an owner since removed: sign in again.
                    session.pop("owner_id", None)
                    return redirect(
                        url_for("admin.login", org=slug, next=request.full_path.rstrip("?"))
                    )
                g.owner = owner
                g.organization = organization
                g.role_name = ROLE_NAMES.get(owner.role, owner.role)
                g.banner = pending_banner(db_session, organization)
            if primary and g.owner.role != "primary_owner":
                return forbidden("Only a Primary Owner can do this.")
            return view(*args, **kwargs)

        return cast(View, wrapper)

    return decorate


def csrf_token() -> str:
    """Return the session's CSRF token, creating it on first use."""
    token = session.get(CSRF_FIELD)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF_FIELD] = token
    return token


def check_csrf() -> Any:
    """Refuse a POST (or other unsafe method) without the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS"):
        return None
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    if not isinstance(expected, str) or not hmac.compare_digest(expected, sent):
        return make_response(
            render_template(
                "admin/forbidden.html",
                message="This form has expired or did not come from this site. "
                "Go back, reload the page and try again.",
            ),
            400,
        )
    return None
