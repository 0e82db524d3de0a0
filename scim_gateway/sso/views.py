"""The sign-in views: login, callback, me, logout, and the seat request of a refused person."""

from __future__ import annotations

import logging
from typing import Any

from flask import abort, current_app, jsonify, redirect, request, url_for
from sqlalchemy import select

from seat_core import (
    Admission,
    Identity,
    SignInRefused,
    admit,
    events,
    find_owner,
    find_request,
    holds_seat,
    record_owner_sign_in_failure,
    record_request,
    verified_email,
)
from seat_core.models import Member, Organization

from ..admin.auth import csrf_valid, login_owner, logout_owner
from ..clock import now
from ..crypto import UnreadableSecret
from ..db import read_only, retried_on_duplicate, transaction
from ..refusals import remember
from . import bp, pages, saml_views, sessions
from .clients import Provider, SignInFailed, client_for, load_provider, metadata_of
from .verify import verify_callback

log = logging.getLogger("scim_gateway.sso")


def provider_or_abort(slug: str) -> Provider:
    """Return the organization's SSO configuration, or end the request with a clear page."""
    try:
        with read_only() as db:
            provider = load_provider(db, slug)
    except UnreadableSecret as error:
        log.error("%s", error, extra={"organization": slug, "event": "sso.config_unreadable"})
        abort(pages.error(slug, "Single sign-on is misconfigured. Tell the operator.", 500))
    if provider is None:
        abort(pages.not_configured(slug))
    return provider


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
        return failed(provider, SignInFailed("This organization signs in with SAML.", status=404))
    try:
        flow = sessions.take_flow(provider, request.args.get("state", ""))
        identity, id_token = verify_callback(provider, client_for(provider), flow)
    except SignInFailed as failure:
        return failed(provider, failure)
    return let_in(provider, identity, flow.next, id_token)


def let_in(provider: Provider, identity: Identity, next: str, id_token: str | None) -> Any:
    """Sign a verified person in: an owner to the admin pages, a member through the gate."""
    if next == "admin":
        return owner_sign_in(provider, identity, id_token)
    org = provider.slug
    at = now()
    events.act_as(events.Actor("member", None, identity.email or identity.subject))

    def admitted() -> tuple[Admission, int]:
        # A refusal leaves the transaction and is answered by refused() below.
        with transaction() as db:
            organization = db.get_one(Organization, provider.organization_id)
            admission = admit(db, organization, identity, provider.policy, at=at)
            sessions.start_member(db, provider, admission.member.id, id_token)
            return admission, admission.member.id

    # Two tabs finishing a first sign-in at once: one creates the member, the other finds it.
    admission, member_id = retried_on_duplicate(admitted)
    log.info(
        "member %s signed in%s%s",
        member_id,
        " (new member)" if admission.created else "",
        " and took a seat" if admission.seat_taken else "",
        extra={"organization": org, "event": "sso.signed_in"},
    )
    return redirect(provider.product_url)


def failed(provider: Provider, failure: SignInFailed) -> Any:
    """Log a sign-in that could not be verified and show its error page.

    A live session is left as it is: another site can send anyone a failing callback.
    """
    log.warning(
        "sign-in failed: %s",
        failure.detail,
        extra={"organization": provider.slug, "event": "sso.failed"},
    )
    return pages.error(provider.name, failure.message, failure.status, provider.slug)


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


def owner_sign_in(provider: Provider, identity: Identity, id_token: str | None) -> Any:
    """Sign an owner in to the admin pages; the owner list alone decides who is one."""
    # Owners administer seats, they need not hold one: no seat is taken here.
    email = verified_email(identity, provider.policy)
    with transaction() as db:
        organization = db.get_one(Organization, provider.organization_id)
        owner = find_owner(db, organization, email) if email else None
        if owner is not None:
            login_owner(owner, via="sso", id_token=id_token)
        else:
            failed_email = email or identity.email or identity.subject
            record_owner_sign_in_failure(db, organization, email=failed_email, via="sso", at=now())
    if owner is None:
        log.warning(
            "admin sign-in of %s refused: not an owner",
            identity.email or identity.subject,
            extra={"organization": provider.slug, "event": "sso.not_owner"},
        )
        return pages.error(
            provider.name,
            f"{identity.email or 'Your account'} is not an owner of {provider.name}. "
            "Ask a Primary Owner to add you.",
            403,
            provider.slug,
        )
    log.info(
        "owner %s signed in to the admin pages",
        email,
        extra={"organization": provider.slug, "event": "sso.owner_signed_in"},
    )
    return redirect(f"/admin/{provider.slug}/billing")


@bp.post("/<org>/request-seat")
def request_seat(org: str) -> Any:
    """Ask the owners for a seat, once: a repeated request changes nothing."""
    if not csrf_valid():
        return pages.error(org, "This form has expired. Sign in again to ask for a seat.", 400)
    requester = sessions.refusal_of(org)
    if requester is None:
        return pages.error(org, "Sign in first: only a refused sign-in can ask for a seat.", 400)
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
            "detail": "Sign in through single sign-on first.",
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
            "This sign-out form has expired or did not come from this site. Go back, "
            "reload the page and try again.",
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
    with read_only() as db:
        name = db.scalar(select(Organization.name).where(Organization.slug == slug))
    if name is None:
        abort(pages.not_configured(slug))
    return name


@bp.get("/<org>/signed-out")
def signed_out(org: str) -> Any:
    """Tell the person they are signed out."""
    return pages.signed_out(org)
