"""Bearer tokens: each SCIM token belongs to one organization and is rate-limited on its own."""

from __future__ import annotations

from flask import current_app, g, request

from .. import ratelimit
from ..clock import now
from ..db import read_only
from ..tokens import find_token
from . import bp
from .errors import TooManyRequests, Unauthorized


@bp.before_request
def authenticate() -> None:
    """Find the organization of the request's bearer token, then count it against the limit."""
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(
            detail="Send the organization's SCIM token as 'Authorization: Bearer <token>'."
        )
    with read_only() as session:
        token = find_token(session, secret.strip(), kind="scim", at=now())
        if token is None:
            raise Unauthorized(detail="The bearer token is unknown, revoked or expired.")
        g.scim_organization_id = token.organization_id
        g.scim_token_id = token.id
    wait = ratelimit.hit(current_app.config["SCIM_RATE_LIMIT"], "scim", str(token.id))
    if wait is not None:
        raise TooManyRequests(
            retry_after=wait,
            detail=f"Too many requests with this token; retry in {wait} seconds.",
        )


def organization_id() -> int:
    """Return the id of the organization the request's token belongs to."""
    value: int = g.scim_organization_id
    return value


def base_url() -> str:
    """Return the SCIM base URL as the client reached it, for meta.location."""
    return request.url_root.rstrip("/") + bp.url_prefix  # type: ignore[operator]
