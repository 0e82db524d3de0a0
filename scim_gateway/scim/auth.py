"""Bearer tokens: each SCIM token belongs to one organization and is rate-limited on its own."""

from __future__ import annotations

from datetime import datetime

from flask import current_app, g, request
from flask_babel import gettext as _

from seat_core import events
from seat_core.models import ApiToken

from .. import i18n, ratelimit
from ..clock import now
from ..db import read_only
from ..token_use import note_use, record_noted_use
from ..tokens import LiveToken, TokenCache, load_token
from . import bp
from .errors import TooManyRequests, Unauthorized


@bp.before_request
def authenticate() -> None:
    """Find the organization of the request's bearer token, then count it against the limit."""
    scheme, _space, secret = request.headers.get("Authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not secret.strip():
        raise Unauthorized(
            detail=_("Send the organization's SCIM token as 'Authorization: Bearer <token>'.")
        )
    at = now()
    token = token_cache().find(secret.strip(), kind="scim", at=at, load=lambda h: _load(h, at))
    if token is None:
        raise Unauthorized(detail=_("The bearer token is unknown, revoked or expired."))
    g.scim_organization_id = token.organization_id
    # Identity providers rarely send Accept-Language: errors speak the organization's.
    i18n.for_organization(token.language)
    g.scim_token_id = token.id
    note_use(ApiToken, token.id)
    events.act_as(events.Actor("scim_token", str(token.id), token.label))
    wait = ratelimit.hit(current_app.config["SCIM_RATE_LIMIT"], "scim", str(token.id))
    if wait is not None:
        raise TooManyRequests(
            retry_after=wait,
            detail=_(
                "Too many requests with this token; retry in %(seconds)d seconds.", seconds=wait
            ),
        )


bp.after_request(record_noted_use)


def token_cache() -> TokenCache:
    """Return the app's cache of live SCIM tokens (a revocation is seen within its bound)."""
    cache: TokenCache | None = current_app.extensions.get("scim_tokens")
    if cache is None:
        cache = TokenCache(current_app.config["SCIM_TOKEN_CACHE_SECONDS"])
        current_app.extensions["scim_tokens"] = cache
    return cache


def _load(token_hash: str, at: datetime) -> LiveToken | None:
    with read_only() as session:
        return load_token(session, token_hash, kind="scim", at=at)


def organization_id() -> int:
    """Return the id of the organization the request's token belongs to."""
    value: int = g.scim_organization_id
    return value


def base_url() -> str:
    """Return the SCIM base URL as the client reached it, for meta.location."""
    # werkzeug rebuilds url_root from the environ on every call (~40 µs); the parts it reads
    # name the answer. Bounded: a client can send any Host header.
    environ = request.environ
    key = (
        environ.get("wsgi.url_scheme"),
        environ.get("HTTP_HOST"),
        environ.get("SERVER_NAME"),
        environ.get("SERVER_PORT"),
        environ.get("SCRIPT_NAME"),
    )
    url = _base_urls.get(key)
    if url is None:
        url = request.url_root.rstrip("/") + bp.url_prefix  # type: ignore[operator]
        if len(_base_urls) >= 64:
            _base_urls.clear()
        _base_urls[key] = url
    return url


_base_urls: dict[tuple[object, ...], str] = {}
