"""The operator API under /api/v1/operator: its blueprint, its token check, its error table.

An operator token opens this blueprint and nothing else; no other token opens it. Domain
errors are answered here, in one table, so views raise them and never catch them.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, g, request

from seat_core import (
    DuplicateOrganization,
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidContract,
    InvalidLanguage,
    InvalidMoney,
    InvalidOwner,
    InvalidPayment,
    InvoiceNotFound,
    OrganizationNotFound,
    SeatError,
    events,
)
from seat_core.accounts import OwnerNotFound

from ..clock import now
from ..db import read_only, transaction
from ..jsonbody import request_json
from ..operator.tokens import actor_of, find_operator_token, mark_used, needs_last_used
from .auth import fail, problem
from .errors import answer_the_rest

log = logging.getLogger("scim_gateway.api.operator")

bp = Blueprint("operator_api", __name__, url_prefix="/api/v1/operator")


class TokenNotFound(SeatError):
    """No live token with that id in the organization."""


class InvalidSso(SeatError):
    """Single sign-on settings that cannot be stored."""


# Every domain error a view may raise, and how it is answered.
ERRORS: dict[type[SeatError], tuple[int, str]] = {
    OrganizationNotFound: (404, "Not Found"),
    OwnerNotFound: (404, "Not Found"),
    InvoiceNotFound: (404, "Not Found"),
    TokenNotFound: (404, "Not Found"),
    DuplicateOrganization: (409, "Conflict"),
    IdempotencyKeyInFlight: (409, "Conflict"),
    IdempotencyKeyReused: (422, "Unprocessable Content"),
    InvalidContract: (422, "Unprocessable Content"),
    InvalidLanguage: (422, "Unprocessable Content"),
    InvalidMoney: (422, "Unprocessable Content"),
    InvalidOwner: (422, "Unprocessable Content"),
    InvalidPayment: (422, "Unprocessable Content"),
    InvalidSso: (422, "Unprocessable Content"),
}

PUBLIC = {"operator_api.openapi"}


@bp.before_request
def authenticate() -> None:
    """Let only a live operator token in, name it as the actor, and note its use."""
    if request.endpoint in PUBLIC:
        return
    scheme, _, secret = request.headers.get("Authorization", "").partition(" ")
    at = now()
    found = None
    if scheme.lower() == "bearer":
        with read_only() as session:
            token = find_operator_token(session, secret.strip(), at=at)
            if token is not None:
                found = (token.id, actor_of(token), needs_last_used(token, at=at))
    if found is None:
        fail(
            401,
            "Unauthorized",
            "Send an operator token as 'Authorization: Bearer <token>' "
            "(`scim-gateway operator token issue`).",
            {"WWW-Authenticate": 'Bearer realm="scim-seat-gateway-operator"'},
        )
    token_id, actor, stale = found
    if stale:
        # Its own short transaction: the use counts even when the request is refused.
        with transaction() as session:
            mark_used(session, token_id, at=at)
    g.operator_token_id = token_id
    events.act_as(actor)


def json_object(
    example: str, *, required: tuple[str, ...], optional: tuple[str, ...] = ()
) -> dict[str, Any]:
    """Read a JSON object with only the named fields, the required ones present.

    A body whose fields are all optional may be left out altogether: that is {}.
    """
    if not required and not request.get_data(cache=True):
        return {}
    body = request_json()
    if not isinstance(body, dict):
        fail(400, "Bad Request", f"Send a JSON object like {example}.")
    unknown = sorted(set(body) - {*required, *optional})
    if unknown:
        fail(400, "Bad Request", f"Unknown fields: {', '.join(unknown)}.")
    missing = [name for name in required if name not in body]
    if missing:
        fail(422, "Unprocessable Content", f"Missing fields: {', '.join(missing)}.")
    return body


def field(body: dict[str, Any], name: str, kind: type, *, default: Any = None) -> Any:
    """Return a body field of the given JSON type (int excludes true and false)."""
    if name not in body:
        return default
    value = body[name]
    if kind is int and isinstance(value, float) and value.is_integer() and abs(value) < 2**53:
        value = int(value)  # JSON Schema counts 5.0 as the integer 5
    wrong = isinstance(value, bool) != (kind is bool) or not isinstance(value, kind)
    if wrong:
        names = {str: "a string", int: "a whole number", bool: "true or false"}
        fail(422, "Unprocessable Content", f'"{name}" must be {names[kind]}.')
    return value


@bp.errorhandler(SeatError)
def domain_error(error: SeatError) -> Response:
    """Answer a domain error as its row of ERRORS says."""
    for kind in type(error).__mro__:
        if kind in ERRORS:
            status, title = ERRORS[kind]
            return problem(status, title, error.message)
    log.error("domain error without a row of ERRORS: %r", error)
    return problem(500, "Internal Server Error", "Internal error; it was logged.")


answer_the_rest(bp, what="an operator API request")
