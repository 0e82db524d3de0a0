"""SAML 2.0 sign-in: SP metadata, the AuthnRequest, the ACS and single logout.

The verified person goes through the same seat gate, refusal page and seat request as an
OpenID Connect sign-in (gate.let_in).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Response, abort, current_app, redirect, render_template, request, url_for
from flask_babel import gettext as _

from seat_core import accept_assertion, web_sessions

from ..clock import now
from ..db import transaction
from . import bp, pages, sessions
from .clients import Provider
from .errors import SignInFailed
from .gate import failed, let_in, provider_or_abort
from .saml import SamlProvider

# saml_sp (pysaml2) is imported in the views that use it: loading it costs a worker's start
# a second or more, which organizations without SAML never need.

log = logging.getLogger("scim_gateway.sso")
# Marks the ACS form posted again from the gateway's own page (see acs()).
AGAIN = "again"


def saml_of(org: str) -> tuple[Provider, SamlProvider]:
    """Return the organization's provider and its SAML side, or end with a 404 page."""
    provider = provider_or_abort(org)
    if provider.saml is None:
        abort(pages.not_configured(org))
    return provider, provider.saml


@bp.get("/<org>/saml/metadata")
def metadata(org: str) -> Any:
    """Return the SP metadata: entity id, ACS URL and single logout URL."""
    from .saml_sp import sp_metadata

    _, saml = saml_of(org)
    return Response(sp_metadata(saml), mimetype="application/samlmetadata+xml")


def login(provider: Provider, *, admin: bool) -> Any:
    """Send the person to the IdP with an AuthnRequest this browser will be asked for."""
    from .saml_sp import login_redirect

    assert provider.saml is not None
    request_id = "_" + web_sessions.new_key()
    sessions.begin_flow(provider, admin=admin, nonce=request_id)
    try:
        location, _ = login_redirect(provider.saml, "", request_id)
    except Exception as error:  # unusable stored metadata: the operator must fix it
        return failed(
            provider,
            SignInFailed(
                _("Single sign-on is misconfigured. Tell the operator."),
                detail=f"AuthnRequest not built: {type(error).__name__}: {error}",
                status=500,
            ),
        )
    return redirect(location)


@bp.post("/<org>/saml/acs")
def acs(org: str) -> Any:
    """Verify the IdP's Response (HTTP-POST binding), then let the person in."""
    from .saml_sp import verify_response

    provider, saml = saml_of(org)
    encoded = request.form.get("SAMLResponse", "")
    cookie = current_app.config["SESSION_COOKIE_NAME"]
    if cookie not in request.cookies and not request.form.get(AGAIN) and encoded:
        # A cross-site POST carries no SameSite=Lax cookie: post the same form again from
        # this site, so that the browser's sign-in flows come along.
        return _post_again(provider, encoded, request.form.get("RelayState", ""))
    started = sessions.started_requests(provider)
    try:
        if not encoded:
            raise SignInFailed(
                _("The identity provider sent no answer. Sign in again."),
                detail="no SAMLResponse",
            )
        assertion = verify_response(saml, encoded, started)
        next_page = _take(provider, started, assertion.in_response_to)
        with transaction() as db:
            fresh = accept_assertion(
                db,
                provider.organization_id,
                assertion.assertion_id,
                not_on_or_after=assertion.not_on_or_after,
                at=now(),
            )
        if not fresh:
            raise SignInFailed(
                _("This answer of the identity provider was already used. Sign in again."),
                detail=f"replayed assertion {assertion.assertion_id!r}",
            )
    except SignInFailed as failure:
        return failed(provider, failure)
    subject = json.dumps(
        {
            "saml": {
                "text": assertion.name_id,
                "format": assertion.name_id_format,
                "session_index": assertion.session_index,
            }
        }
    )
    return let_in(provider, assertion.identity, next_page, subject)


def _take(provider: Provider, started: dict[str, str], in_response_to: str | None) -> str:
    """Use the flow the Response answers, once; an IdP-initiated one leads to the product."""
    if in_response_to is None:
        # Only reached when the organization allows it: pysaml2 refuses it otherwise.
        return "member"
    return sessions.take_flow(provider, started.get(in_response_to, "")).next


def _post_again(provider: Provider, encoded: str, relay_state: str) -> Any:
    response = Response(
        render_template(
            "sso/post_again.html",
            title=_("Signing in"),
            organization=provider.name,
            action=url_for("sso.acs", org=provider.slug),
            saml_response=encoded,
            relay_state=relay_state,
            again=AGAIN,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def logout(provider: Provider, id_token: str | None) -> Any:
    """Return the redirect to the IdP's single logout, or None when there is none to do."""
    from .saml_sp import logout_redirect

    assert provider.saml is not None
    try:
        subject = json.loads(id_token or "")["saml"]
    except (ValueError, KeyError, TypeError):
        return None
    try:
        location = logout_redirect(provider.saml, subject)
    except Exception as error:  # the IdP's metadata or pysaml2 failed us: sign out locally
        log.warning(
            "single logout not sent: %s: %s",
            type(error).__name__,
            error,
            extra={"organization": provider.slug, "event": "sso.slo_failed"},
        )
        return None
    return redirect(location) if location else None


@bp.get("/<org>/saml/slo")
def slo(org: str) -> Any:
    """Land back from the IdP's single logout (this browser was signed out before it left)."""
    saml_of(org)
    return redirect(url_for("sso.signed_out", org=org))
