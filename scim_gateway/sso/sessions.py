"""What the sign-in keeps in the Flask session: flows in progress, the member, a refusal.

The session contract:

- ``session["sso_member"]``: ``{"org", "member_id", "signed_in_at", "id_token"}`` of the
  signed-in member; valid for SESSION_LIFETIME_MINUTES after signed_in_at;
- ``session["sso_admin_states"]``: states of sign-ins started with ``next=admin``;
- ``session["sso_refusal"]``: the last refused person, for the "Request a seat" button;
- ``session["sso_csrf"]``: the CSRF token of that button's form.

authlib keeps its own ``_state_<org>_<state>`` entries (PKCE verifier, nonce) beside them.
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import asdict
from datetime import datetime, timedelta
from typing import Any

from flask import current_app, request, session

from ..clock import now
from ..gate import Requester

MEMBER = "sso_member"
ADMIN_STATES = "sso_admin_states"
REFUSAL = "sso_refusal"
CSRF = "sso_csrf"


def begin_flow(slug: str, *, admin: bool) -> tuple[str, str]:
    """Return a fresh state and nonce, dropping the org's abandoned flows from the cookie."""
    # Each flow adds a few hundred bytes to the cookie, and browsers drop cookies over 4 kB.
    prefix = f"_state_{slug}_"
    for key in [key for key in session if key.startswith(prefix)]:
        session.pop(key)
    state, nonce = secrets.token_urlsafe(24), secrets.token_urlsafe(24)
    states = [s for s in session.get(ADMIN_STATES, []) if isinstance(s, str)][-3:]
    if admin:
        states.append(state)
    session[ADMIN_STATES] = states
    return state, nonce


def end_flow(slug: str, state: str) -> bool:
    """Forget the flow's admin mark; return True if it was started for the admin pages."""
    states = session.get(ADMIN_STATES, [])
    if state and state in states:
        session[ADMIN_STATES] = [s for s in states if s != state]
        return True
    return False


def start_member(slug: str, member_id: str, id_token: str | None) -> None:
    """Start the member's session (the owner's, if any, is left alone)."""
    session.pop(REFUSAL, None)
    session[MEMBER] = {
        "org": slug,
        "member_id": member_id,
        "signed_in_at": now().isoformat(),
        "id_token": id_token,
    }


def member_of(slug: str) -> dict[str, Any] | None:
    """Return the session's member sign-in for the organization, if live."""
    data = session.get(MEMBER)
    if not isinstance(data, dict) or data.get("org") != slug:
        return None
    try:
        signed_in_at = datetime.fromisoformat(str(data["signed_in_at"]))
    except (KeyError, ValueError):
        return None
    lifetime = timedelta(minutes=int(current_app.config["SESSION_LIFETIME_MINUTES"]))
    if signed_in_at.tzinfo is None or now() - signed_in_at >= lifetime:
        session.pop(MEMBER, None)
        return None
    return data


def end_member(slug: str) -> dict[str, Any] | None:
    """End the member's session of the organization; return what it was."""
    data = session.get(MEMBER)
    if isinstance(data, dict) and data.get("org") == slug:
        session.pop(MEMBER)
        return data
    return None


def remember_refusal(slug: str, requester: Requester) -> None:
    """Remember who was refused, so that only they can ask for a seat in their name."""
    session[REFUSAL] = {"org": slug, **asdict(requester)}


def refusal_of(slug: str) -> Requester | None:
    """Return the refused person remembered for the organization, if any."""
    data = session.get(REFUSAL)
    if not isinstance(data, dict) or data.get("org") != slug:
        return None
    try:
        return Requester(**{key: value for key, value in data.items() if key != "org"})
    except TypeError:
        return None


def csrf_token() -> str:
    """Return the session's CSRF token for the sign-in pages' forms."""
    token = session.get(CSRF)
    if not isinstance(token, str):
        token = secrets.token_urlsafe(32)
        session[CSRF] = token
    return token


def check_csrf() -> bool:
    """Tell whether the posted form carries the session's CSRF token."""
    expected = session.get(CSRF)
    sent = request.form.get("csrf_token", "")
    return isinstance(expected, str) and hmac.compare_digest(expected, sent)
