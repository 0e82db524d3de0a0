"""What a browser keeps of its sign-ins: random keys in the cookie, the rest in the database.

The cookie contract (the rows behind the keys are seat_core.web_sessions'):

- ``session["member_session"]``: the key of the member's web session, one organization at a
  time; the row holds who, where, until when, and the ID token for the provider's logout;
- ``session["sso_flows"]``: the OAuth states of this browser's sign-ins in progress (the
  newest few); the PKCE verifier and nonce stay in their sign_in_flow rows (a SAML
  sign-in's nonce is its AuthnRequest id, which the Response's InResponseTo must name);
- ``session["sso_refusal"]``: the last refused person, for the "Request a seat" button.

The owner's session key and the CSRF token of every form are owner_sessions'.
"""

from __future__ import annotations

from dataclasses import asdict
from datetime import timedelta

from flask import session
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from seat_core import Requester, web_sessions
from seat_core.models import Organization, WebSession
from seat_core.web_sessions import Flow

from ..clock import now
from ..db import read_only, transaction
from ..owner_sessions import lifetime, live_session
from .clients import Provider, SignInFailed

MEMBER = "member_session"
FLOWS = "sso_flows"
REFUSAL = "sso_refusal"
# Long enough to sign in at the provider, short enough that a stale tab's answer is refused.
FLOW_LIFETIME = timedelta(minutes=10)
# A few tabs may sign in at once; each state kept costs the cookie about 45 bytes.
MAX_FLOWS = 4


def begin_flow(provider: Provider, *, admin: bool, nonce: str | None = None) -> tuple[str, Flow]:
    """Remember a new sign-in of this browser; return its state and flow (verifier, nonce).

    A SAML sign-in passes its AuthnRequest id as the nonce.
    """
    state = web_sessions.new_key()
    flow = Flow(
        code_verifier=web_sessions.new_key(),
        nonce=nonce or web_sessions.new_key(),
        next="admin" if admin else "member",
    )
    with transaction() as db:
        web_sessions.start_flow(
            db,
            state,
            flow,
            organization_id=provider.organization_id,
            at=now(),
            lifetime=FLOW_LIFETIME,
        )
    states = [s for s in session.get(FLOWS, []) if isinstance(s, str)]
    session[FLOWS] = [*states, state][-MAX_FLOWS:]
    return state, flow


def started_requests(provider: Provider) -> dict[str, str]:
    """Return the SAML requests this browser started at the organization, {request id: state}."""
    states = [s for s in session.get(FLOWS, []) if isinstance(s, str)]
    if not states:
        return {}
    with read_only() as db:
        return web_sessions.requests_of(
            db, states, organization_id=provider.organization_id, at=now()
        )


def take_flow(provider: Provider, state: str) -> Flow:
    """Return this browser's flow of the state for the organization, usable once.

    :raises SignInFailed: for a state this browser did not start here, or one used or expired.
    """
    states = [s for s in session.get(FLOWS, []) if isinstance(s, str)]
    flow = None
    if state and state in states:
        session[FLOWS] = [s for s in states if s != state]
        with transaction() as db:
            flow = web_sessions.take_flow(
                db, state, organization_id=provider.organization_id, at=now()
            )
    if flow is None:
        raise SignInFailed(
            _(
                "This sign-in to %(organization)s has expired, was already used, or was not "
                "started here. Sign in again.",
                organization=provider.name,
            ),
            detail="unknown, replayed, expired, foreign or another organization's state",
        )
    return flow


def start_member(db: Session, provider: Provider, member_id: str, id_token: str | None) -> None:
    """Start the member's session in db's transaction, ending the browser's previous one."""
    at = now()
    web_sessions.end_session(db, session.get(MEMBER), kind="member")
    session[MEMBER] = web_sessions.open_session(
        db,
        kind="member",
        organization_id=provider.organization_id,
        member_id=member_id,
        via="sso",
        id_token=id_token,
        at=at,
        lifetime=lifetime(),
    )
    session.pop(REFUSAL, None)


def member_of(slug: str) -> WebSession | None:
    """Return the browser's live member session if it is of the organization slug."""
    found = live_session(MEMBER, kind="member")
    if found is None:
        return None
    with read_only() as db:
        organization = db.get(Organization, found.organization_id)
        if organization is None or organization.slug != slug:
            return None
    return found


def end_member(db: Session, organization_id: int) -> WebSession | None:
    """End the browser's member session of the organization; return what it was."""
    ended = web_sessions.end_session(
        db, session.get(MEMBER), kind="member", organization_id=organization_id
    )
    if ended is not None:
        session.pop(MEMBER, None)
    return ended


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
