"""Owner sessions, the owner_required decorator and CSRF tokens for every form under /admin.

The cookie contract other parts rely on:

- ``session["owner_session"]``: the key of the owner's web session; the row behind it
  (seat_core.web_sessions) says which owner of which organization, how they signed in, and
  until when. A key whose row is gone (signed out, expired) is no session;
- ``session["csrf_token"]``: the per-session CSRF secret; every POST under /admin (and the
  sign-in pages' forms) must send it back in the form field ``csrf_token`` (or the
  ``X-CSRF-Token`` header). A new one is made at every owner sign-in.
"""

from __future__ import annotations

import functools
import hmac
import secrets
from collections.abc import Callable
from datetime import timedelta
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

from seat_core import events, owner_actor, record_owner_sign_in, web_sessions
from seat_core.models import Organization, Owner, WebSession

from ..clock import now
from ..db import read_only, transaction
from .banner import expiring_tokens, pending_banner, saml_certificate

OWNER = "owner_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"
ROLE_NAMES = {"primary_owner": "Primary Owner", "owner": "Owner"}

View = TypeVar("View", bound=Callable[..., Any])


def lifetime() -> timedelta:
    """Return how long a sign-in lasts (SESSION_LIFETIME_MINUTES)."""
    return timedelta(minutes=int(current_app.config["SESSION_LIFETIME_MINUTES"]))


def live_session(cookie_key: str, *, kind: str) -> WebSession | None:
    """Return the live web session whose key the cookie holds under cookie_key, or None."""
    key = session.get(cookie_key)
    if not isinstance(key, str):
        return None
    at = now()
    with read_only() as db:
        found = web_sessions.find_session(db, key, kind=kind, at=at)
    if found is None:
        # Ended or expired: the key opens nothing any more, so the cookie drops it.
        session.pop(cookie_key, None)
        return None
    if web_sessions.needs_seen(found, at=at):
        with transaction() as db:
            web_sessions.mark_seen(db, key, at=at)
    return found


def login_owner(owner: Owner, *, via: str = "password", id_token: str | None = None) -> None:
    """Start the owner's session in the owner's transaction, ending the browser's previous one."""
    db_session = object_session(owner)
    assert db_session is not None, "login_owner needs an owner loaded in a session"
    web_sessions.end_session(db_session, session.get(OWNER), kind="owner")
    at = now()
    record_owner_sign_in(db_session, owner, via=via, at=at)
    session[OWNER] = web_sessions.open_session(
        db_session,
        kind="owner",
        organization_id=owner.organization_id,
        owner_id=owner.id,
        via=via,
        id_token=id_token,
        at=at,
        lifetime=lifetime(),
    )
    # A new key and a new CSRF token: nothing planted before the sign-in survives it.
    session.pop(CSRF_FIELD, None)
    session.permanent = True


def logout_owner(
    db_session: Session, *, organization_id: int | None = None, via: str | None = None
) -> WebSession | None:
    """End the browser's owner session (only of that organization and way in, if given)."""
    ended = web_sessions.end_session(
        db_session, session.get(OWNER), kind="owner", organization_id=organization_id, via=via
    )
    if ended is not None or (organization_id is None and via is None):
        session.pop(OWNER, None)
        session.pop(CSRF_FIELD, None)
    return ended


def current_owner(db_session: Session, slug: str) -> Owner | None:
    """Return the owner signed in to the organization slug, or None."""
    found = live_session(OWNER, kind="owner")
    return _owner_of(db_session, found, slug) if found is not None else None


def _owner_of(db_session: Session, found: WebSession, slug: str) -> Owner | None:
    organization = db_session.get(Organization, found.organization_id)
    if organization is None or organization.slug != slug or found.owner_id is None:
        return None
    return db_session.get(Owner, found.owner_id)


def forbidden(message: str) -> Any:
    """Return the 403 page."""
    return make_response(render_template("admin/forbidden.html", message=message), 403)


def owner_required(primary: bool = False) -> Callable[[View], View]:
    """Let only owners of the view's ``org`` in (only Primary Owners when primary is True).

    Sets ``g.owner`` and ``g.organization`` (detached, read-only copies), ``g.banner``
    (the pending seat requests banner), ``g.saml_certificate`` and ``g.expiring_tokens``
    before the view runs.
    """

    def decorate(view: View) -> View:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            slug = kwargs["org"]
            found = live_session(OWNER, kind="owner")
            # Checked in a short session of its own: on SQLite every transaction holds
            # the write lock, so it must end before the view opens its transaction.
            with read_only() as db_session:
                organization = db_session.scalars(
                    select(Organization).where(Organization.slug == slug)
                ).first()
                if organization is None:
                    return make_response(render_template("admin/not_found.html", slug=slug), 404)
                owner = _owner_of(db_session, found, slug) if found is not None else None
                if owner is None:
                    if found is not None and found.organization_id != organization.id:
                        return forbidden("You are not an owner of this organization.")
                    # Signed out, expired, or an owner since removed: sign in again.
                    return redirect(
                        url_for("admin.login", org=slug, next=request.full_path.rstrip("?"))
                    )
                g.owner = owner
                g.organization = organization
                events.act_as(owner_actor(owner))
                g.role_name = ROLE_NAMES.get(owner.role, owner.role)
                g.banner = pending_banner(db_session, organization)
                g.saml_certificate = saml_certificate(db_session, organization.id)
                g.expiring_tokens = expiring_tokens(db_session, organization.id)
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


def csrf_valid() -> bool:
    """Tell whether the request sends back the session's CSRF token."""
    expected = session.get(CSRF_FIELD)
    sent = request.form.get(CSRF_FIELD) or request.headers.get(CSRF_HEADER) or ""
    return isinstance(expected, str) and hmac.compare_digest(expected, sent)


def check_csrf() -> Any:
    """Refuse a POST (or other unsafe method) without the session's CSRF token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or csrf_valid():
        return None
    return make_response(
        render_template(
            "admin/forbidden.html",
            message="This form has expired or did not come from this site. "
            "Go back, reload the page and try again.",
        ),
        400,
    )
