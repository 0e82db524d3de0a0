"""The sign-in's HTML pages: errors, the 403 refusal with "Request a seat", sign-out."""

from __future__ import annotations

from flask import Response, make_response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from seat_core import SignInRefused

from .. import error_texts
from ..owner_sessions import csrf_token
from .clients import Provider
from .refusal_texts import licensed_groups

TITLES = {
    400: _l("Sign-in failed"),
    403: _l("Sign-in refused"),
    404: _l("Not found"),
    500: _l("Sign-in unavailable"),
    502: _l("Identity provider unreachable"),
}


def _page(template: str, code: int, **context: object) -> Response:
    response = make_response(render_template(template, **context), code)
    # Pages about one person's sign-in must not be kept by shared caches.
    response.headers["Cache-Control"] = "no-store"
    return response


def error(organization: str, message: str, status: int, slug: str | None = None) -> Response:
    """Return an error page for the organization, with a way to sign in again."""
    return _page(
        "sso/error.html",
        status,
        title=str(TITLES.get(status, TITLES[400])),
        organization=organization,
        message=message,
        slug=slug,
    )


def not_configured(slug: str) -> Response:
    """Return the 404 page of an organization without single sign-on."""
    return error(
        slug,
        _(
            "Single sign-on is not set up for %(slug)s. Check the address, or ask your "
            "administrator to set it up.",
            slug=repr(slug),
        ),
        404,
    )


def refused(provider: Provider, refusal: SignInRefused) -> Response:
    """Return the 403 page of a refused sign-in."""
    return _page(
        "sso/refused.html",
        403,
        title=(
            _("Not licensed")
            if refusal.reason == "not_licensed"
            else _("No seat for you yet")
            if refusal.requester
            else _("Sign-in refused")
        ),
        organization=provider.name,
        slug=provider.slug,
        refusal=refusal,
        message=error_texts.message(refusal),
        groups=licensed_groups(refusal.licensed_groups),
        can_request=refusal.requester is not None,
        csrf_token=csrf_token() if refusal.requester else None,
    )


def requested(slug: str, organization: str, identity: str, status: str) -> Response:
    """Return the page confirming a seat request."""
    return _page(
        "sso/requested.html",
        200,
        title=_("Seat requested"),
        organization=organization,
        slug=slug,
        identity=identity,
        status=status,
    )


def signed_out(slug: str) -> Response:
    """Return the signed-out page."""
    return _page("sso/signed_out.html", 200, title=_("Signed out"), organization=slug, slug=slug)


def confirm_logout(slug: str, organization: str) -> Response:
    """Return the page whose button signs out (by POST, with the form's CSRF token)."""
    return _page(
        "sso/logout.html",
        200,
        title=_("Sign out"),
        organization=organization,
        slug=slug,
        csrf_token=csrf_token(),
    )
