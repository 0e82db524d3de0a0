"""Bearer-token authentication and problem responses for the JSON API."""

from __future__ import annotations

from typing import Any, NoReturn

from flask import Response, abort, jsonify, make_response, request
from flask_babel import gettext as _
from sqlalchemy.orm import Session

from seat_core import OrganizationNotFound, events, get_organization, owner_actor
from seat_core.models import ApiToken, Organization, Owner

from .. import i18n
from ..clock import now
from ..http_texts import phrase
from ..token_use import note_use
from ..tokens import find_token


def problem(status: int, title: str, detail: str, **extra: Any) -> Response:
    """Return an RFC 9457 problem response; its title, a status phrase, in the language."""
    response = jsonify(
        {
            "type": "about:blank",
            "title": phrase(title),
            "status": status,
            "detail": detail,
            **extra,
        }
    )
    response.status_code = status
    response.content_type = "application/problem+json"
    return response


def fail(status: int, title: str, detail: str, headers: dict[str, str] | None = None) -> NoReturn:
    """Abort the request with a problem response (the transaction rolls back)."""
    response = problem(status, title, detail)
    for name, value in (headers or {}).items():
        response.headers[name] = value
    abort(make_response(response))


def authenticate(session: Session, slug: str) -> tuple[Organization, ApiToken]:
    """Return the organization and the API token the request carries for it.

    A token of another organization gets the same 404 as an unknown organization, so that
    it learns nothing of organizations it does not belong to.
    """
    header = request.headers.get("Authorization", "")
    scheme, _space, secret = header.partition(" ")
    token = (
        find_token(session, secret.strip(), kind="api", at=now())
        if scheme.lower() == "bearer"
        else None
    )
    if token is None:
        fail(
            401,
            "Unauthorized",
            _("Send an API token of the organization as 'Authorization: Bearer <token>'."),
            {"WWW-Authenticate": 'Bearer realm="scim-seat-gateway"'},
        )
    try:
        organization = get_organization(session, slug)
    except OrganizationNotFound:
        # Not the blueprint's answer: unknown and foreign organizations get one 404 alike.
        organization = None
    if organization is None or organization.id != token.organization_id:
        fail(404, "Not Found", _("No organization %(slug)s for this token.", slug=repr(slug)))
    # A client that names no language hears the organization's.
    i18n.for_organization(organization.language)
    note_use(ApiToken, token.id)
    owner = session.get(Owner, token.owner_id) if token.owner_id is not None else None
    if owner is not None:
        events.act_as(owner_actor(owner))
    else:
        events.act_as(events.Actor("api_token", str(token.id), token.label))
    return organization, token


def require_owner(session: Session, token: ApiToken, *, primary: bool = False) -> Owner:
    """Return the owner an API token belongs to; refuse other tokens and, if asked, Owners.

    Organization-wide tokens (for products calling the sign-in hook) carry no owner and
    cannot read billing.
    """
    owner = session.get(Owner, token.owner_id) if token.owner_id is not None else None
    if owner is None or owner.organization_id != token.organization_id:
        fail(403, "Forbidden", _("This endpoint needs an owner's API token."))
    if primary and owner.role != "primary_owner":
        fail(403, "Forbidden", _("Only a Primary Owner can buy seats."))
    return owner


def only_params(*names: str) -> None:
    """Refuse query parameters other than names, so that a misspelt one is not ignored."""
    unknown = sorted(set(request.args) - set(names))
    if unknown:
        allowed = ", ".join(names) or _("none")
        fail(
            400,
            "Bad Request",
            _(
                "Unknown query parameters: %(unknown)s (allowed: %(allowed)s).",
                unknown=", ".join(unknown),
                allowed=allowed,
            ),
        )
