"""Owner sessions and CSRF tokens, shared by the owners' pages and the SSO sign-in.

The cookie contract other parts rely on:

- ``session["owner_session"]``: the key of the owner's web session; the row behind it
  (seat_core.web_sessions) says which owner of which organization, how they signed in, and
  until when. A key whose row is gone (signed out, expired) is no session;
- ``session["csrf_token"]``: the per-session CSRF secret; every POST under /admin (and the
  sign-in pages' forms) must send it back in the form field ``csrf_token`` (or the
  ``X-CSRF-Token`` header). A new one is made at every owner sign-in.
"""

from __future__ import annotations

import hmac
import secrets
from datetime import timedelta
from typing import Any

from flask import current_app, make_response, render_template, request, session
from flask_babel import gettext as _
from sqlalchemy.orm import Session, object_session

from seat_core import record_owner_sign_in, web_sessions
from seat_core.models import Owner, WebSession

from .clock import now
from .db import read_only, transaction

OWNER = "owner_session"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "X-CSRF-Token"


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
            message=_(
                "This form has expired or did not come from this site. "
                "Go back, reload the page and try again."
            ),
        ),
        400,
    )
