"""Every failure under /api/v1 answered as problem JSON (RFC 9457), never an HTML page."""

from __future__ import annotations

import logging

from flask import Blueprint, Response, current_app
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from seat_core import SignInRefused

from .. import metrics
from ..jsonbody import RefusedJson
from ..refusals import remember
from .auth import problem

log = logging.getLogger("scim_gateway.api")


def init(bp: Blueprint) -> None:
    """Map every exception raised under the blueprint onto a problem response."""

    @bp.errorhandler(RefusedJson)
    def refused_json(error: RefusedJson) -> Response:
        return problem(400, "Bad Request", error.detail)

    @bp.errorhandler(SignInRefused)
    def sign_in_refused(refusal: SignInRefused) -> Response:
        # The sign-in hook is an SSO sign-in run by the product: remembered as one.
        request_id = remember(refusal, channel="sso")
        return problem(
            403,
            "Forbidden",
            refusal.message,
            reason=refusal.reason,
            seats_in_use=refusal.seats_in_use,
            seats_purchased=refusal.seats_purchased,
            seat_request_id=request_id,
        )

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        # fail() aborts with a finished problem response, which Flask returns unhandled;
        # this is werkzeug's own: 404 for an unknown path, 405, 413 and the like.
        status = error.code or 500
        response = problem(status, error.name, error.description or error.name)
        for name, value in error.get_headers():
            if name.lower() != "content-type":
                response.headers[name] = value
        return response

    @bp.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Response:
        # The transaction was rolled back, so retrying later is safe.
        log.error("database unavailable: %s", error.orig)
        metrics.database_error(error, 503)
        response = problem(503, "Service Unavailable", "The database is unavailable; retry later.")
        response.headers["Retry-After"] = str(current_app.config["RETRY_AFTER_SECONDS"])
        return response

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error in an API request")
        if isinstance(error, SQLAlchemyError):
            metrics.database_error(error, 500)
        return problem(
            500, "Internal Server Error", "Internal error; it was logged for the operator."
        )
