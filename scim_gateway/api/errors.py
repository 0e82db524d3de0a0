"""Every failure under /api/v1 answered as problem JSON (RFC 9457), never an HTML page."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app
from flask_babel import gettext as _
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from seat_core import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidPolicy,
    InvalidQuantity,
    OrganizationNotFound,
    PurchaseOutsideTerm,
    SeatError,
    SignInRefused,
)

from .. import error_texts, metrics
from ..http_texts import description
from ..jsonbody import RefusedJson
from ..refusals import remember
from .auth import problem

log = logging.getLogger("scim_gateway.api")

# Each domain error's status and problem type: about:blank, so the title is the status's
# phrase (RFC 9457 §4.2.1). The first class of an error's MRO found here answers it.
PROBLEMS: dict[type[SeatError], tuple[int, str]] = {
    OrganizationNotFound: (404, "Not Found"),
    InvalidQuantity: (422, "Unprocessable Content"),
    InvalidPolicy: (422, "Unprocessable Content"),
    IdempotencyKeyReused: (422, "Unprocessable Content"),
    # Retrying later can succeed: the first request finishes, or the contract is renewed.
    IdempotencyKeyInFlight: (409, "Conflict"),
    PurchaseOutsideTerm: (409, "Conflict"),
    SeatError: (422, "Unprocessable Content"),
}


def problem_of(error: SeatError) -> tuple[int, str]:
    """Return the status and title that answer a domain error."""
    for kind in type(error).__mro__:
        if kind in PROBLEMS:
            return PROBLEMS[kind]
    return PROBLEMS[SeatError]


def init(bp: Blueprint) -> None:
    """Map every exception raised under the blueprint onto a problem response."""

    @bp.errorhandler(SignInRefused)
    def sign_in_refused(refusal: SignInRefused) -> Response:
        # The sign-in hook is an SSO sign-in run by the product: remembered as one.
        request_id = remember(refusal, channel="sso")
        return problem(
            403,
            "Forbidden",
            error_texts.message(refusal),
            reason=refusal.reason,
            seats_in_use=refusal.seats_in_use,
            seats_purchased=refusal.seats_purchased,
            seat_request_id=request_id,
        )

    @bp.errorhandler(SeatError)
    def domain_error(error: SeatError) -> Response:
        # Raised inside the view's transaction, which has rolled back by now.
        status, title = problem_of(error)
        return problem(status, title, error_texts.message(error))

    answer_the_rest(bp, what="an API request")


def answer_the_rest(bp: Blueprint, *, what: str) -> None:
    """Answer, as problem JSON, what every API blueprint meets besides its domain errors."""

    @bp.errorhandler(RefusedJson)
    def refused_json(error: RefusedJson) -> Response:
        return problem(400, "Bad Request", error.detail)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        # fail() aborts with a finished problem response, which Flask returns unhandled;
        # this is werkzeug's own: 404 for an unknown path, 405, 413 and the like.
        status = error.code or 500
        response = problem(status, error.name, description(error.description or error.name))
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @bp.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Response:
        # The transaction was rolled back, so retrying later is safe.
        log.error("database unavailable: %s", error.orig)
        metrics.database_error(error, 503)
        response = problem(
            503, "Service Unavailable", _("The database is unavailable; retry later.")
        )
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
        return response

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error in %s", what)
        if isinstance(error, SQLAlchemyError):
            metrics.database_error(error, 500)
        return problem(
            500, "Internal Server Error", _("Internal error; it was logged for the operator.")
        )
