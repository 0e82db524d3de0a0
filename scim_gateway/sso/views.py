"""The sign-in views: login, callback, me, logout, and the seat request of a refused person."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, jsonify, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from seat_core import (
    SignInRefused,
    find_request,
    holds_seat,
    record_request,
)
from seat_core.models import Member, Organization

from .. import i18n
from ..clock import now
from ..crypto import UnreadableSecret
from ..db import read_only, transaction
from ..owner_sessions import csrf_valid, logout_owner
from ..refusals import remember
from . import bp, pages, saml_views, sessions
from .clients import SignInFailed, client_for, load_provider, metadata_of
from .gate import failed, let_in, provider_or_abort
from .verify import verify_callback

log = logging.getLogger("scim_gateway.sso")


@bp.get("/<org>/login")
def login(org: str) -> Any:
    """Send the person to the organization's identity provider (next=admin for owners)."""
    provider = provider_or_abort(org)
    if provider.saml is not None:
        return saml_views.login(provider, admin=request.args.get("next") == "admin")
    client = client_for(provider)
    try:
        metadata_of(client, provider)
    except SignInFailed as failure:
        return failed(provider, failure)
    state, flow = sessions.begin_flow(provider, admin=request.args.get("next") == "admin")
    url = client.create_authorization_url(
        provider.redirect_uri, state=state, nonce=flow.nonce, code_verifier=flow.code_verifier
    )["url"]
    return redirect(url)


@bp.get("/<org>/callback")
def callback(org: str) -> Any:
    """Verify the identity provider's answer, then let the person in through the seat gate."""
    provider = provider_or_abort(org)
    if provider.saml is not None:
        return failed(
            provider, SignInFailed(_("This organization signs in with SAML."), status=404)
        )
    try:
        flow = sessions.take_flow(provider, request.args.get("state", ""))
        identity, id_token = verify_callback(provider, client_for(provider), flow)
    except SignInFailed as failure:
        return failed(provider, failure)
    return let_in(provider, identity, flow.next, id_token)


@bp.errorhandler(SignInRefused)
def refused(refusal: SignInRefused) -> Any:
    """Remember the refused person (after the gate's rollback) and show the 403 page."""
    provider = provider_or_abort(str((request.view_args or {}).get("org", "")))
    if refusal.requester is not None:
        remember(refusal, channel="sso")
        sessions.remember_refusal(provider.slug, refusal.requester)
    log.warning(
        "sign-in of %s refused: %s",
        refusal.identity.email or refusal.identity.subject,
        refusal.reason,
        extra={"organization": provider.slug, "event": "sso.refused"},
    )
    return pages.refused(provider, refusal)


@bp.post("/<org>/request-seat")
def request_seat(org: str) -> Any:
    """Ask the owners for a seat, once: a repeated request changes nothing."""
    _speak_for(org)
    if not csrf_valid():
        return pages.error(org, _("This form has expired. Sign in again to ask for a seat."), 400)
    requester = sessions.refusal_of(org)
    if requester is None:
        return pages.error(org, _("Sign in first: only a refused sign-in can ask for a seat."), 400)
    with transaction() as db:
        organization = db.scalars(select(Organization).where(Organization.slug == org)).first()
        if organization is None:
            abort(pages.not_configured(org))
        existing = find_request(db, organization, requester.identity_key)
        if existing is None or existing.status == "dismissed":
            record_request(db, organization, requester, channel="sso", at=now())
            status = "pending"
        else:
            status = existing.status
        name = organization.name
    log.info(
        "seat requested by %s (%s)",
        requester.identity,
        status,
        extra={"organization": org, "event": "sso.seat_requested"},
    )
    return pages.requested(org, name, requester.identity, status)


@bp.get("/<org>/me")
def me(org: str) -> Any:
    """Return the signed-in member as JSON, or 401."""
    signed_in = sessions.member_of(org)
    if signed_in is None or signed_in.member_id is None:
        return _not_signed_in(org)
    with read_only() as db:
        member = db.get(Member, signed_in.member_id)
        # Releasing a seat ends the member's sessions; this is the belt to those braces.
        if member is None or not holds_seat(db, member):
            return _not_signed_in(org)
        body = {
            "id": member.id,
            "organization": org,
            "user_name": member.user_name,
            "display_name": member.display_name,
            "email": member.email,
            "active": member.active,
            "source": member.source,
            "holds_seat": True,
            "sso_issuer": member.sso_issuer,
            "sso_subject": member.sso_subject,
            "last_sign_in_at": _iso(member.last_sign_in_at),
            "signed_in_at": signed_in.created_at.isoformat(),
        }
    response = jsonify(body)
    response.headers["Cache-Control"] = "no-store"
    return response


def _not_signed_in(org: str) -> Any:
    response = jsonify(
        {
            "error": "not_signed_in",
            "detail": _("Sign in through single sign-on first."),
            "login_url": url_for("sso.login", org=org, _external=False),
        }
    )
    response.status_code = 401
    response.headers["Cache-Control"] = "no-store"
    return response


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


@bp.get("/<org>/logout")
def confirm_logout(org: str) -> Any:
    """Ask before signing out, so that a link from another site signs no one out."""
    return pages.confirm_logout(org, _organization_name(org))


@bp.post("/<org>/logout")
def logout(org: str) -> Any:
    """End the sign-ins of this browser, and the identity provider's when it offers that.

    The member's session ends, and so does an owner session opened through this SSO.
    """
    name = _organization_name(org)
    if not csrf_valid():
        return pages.error(
            name,
            _(
                "This sign-out form has expired or did not come from this site. Go back, "
                "reload the page and try again."
            ),
            400,
        )
    with transaction() as db:
        organization_id = db.scalar(select(Organization.id).where(Organization.slug == org))
        if organization_id is None:
            abort(pages.not_configured(org))
        member = sessions.end_member(db, organization_id)
        owner = logout_owner(db, organization_id=organization_id, via="sso")
        id_token = next((s.id_token for s in (member, owner) if s and s.id_token), None)
    signed_out = redirect(url_for("sso.signed_out", org=org))
    with read_only() as db:
        try:
            provider = load_provider(db, org)
        except UnreadableSecret:
            provider = None
    if provider is None:
        return signed_out
    if provider.saml is not None:
        return saml_views.logout(provider, id_token) or signed_out
    client = client_for(provider)
    try:
        metadata = metadata_of(client, provider)
    except SignInFailed:
        metadata = {}
    if not metadata.get("end_session_endpoint"):
        return signed_out
    logout_url = client.create_logout_url(
        post_logout_redirect_uri=f"{current_app.config['PUBLIC_URL']}/sso/{org}/signed-out",
        id_token_hint=id_token,
        client_id=provider.client_id,
    )["url"]
    return redirect(logout_url)


def _organization_name(slug: str) -> str:
    """Return the organization's name (the page then speaks its language), or end with 404."""
    with read_only() as db:
        row = db.execute(
            select(Organization.name, Organization.language).where(Organization.slug == slug)
        ).first()
    if row is None:
        abort(pages.not_configured(slug))
    i18n.for_organization(row.language)
    return str(row.name)


def _speak_for(slug: str) -> None:
    """Speak the organization's language when the browser asks for none, if there is one."""
    with read_only() as db:
        language = db.scalar(select(Organization.language).where(Organization.slug == slug))
    i18n.for_organization(language)


@bp.get("/<org>/signed-out")
def signed_out(org: str) -> Any:
    """Tell the person they are signed out."""
    _speak_for(org)
    return pages.signed_out(org)
