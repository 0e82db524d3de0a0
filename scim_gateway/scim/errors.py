"""Every failure under /scim/v2 answered as a SCIM Error (RFC 7644 §3.12), never a traceback."""

from __future__ import annotations

import json
import logging
from typing import Any

from flask import Blueprint, Response, current_app
from flask_babel import gettext as _
from pydantic import ValidationError
from scim2_models import (
    Error,
    InvalidSyntaxException,
    InvalidValueException,
    SCIMException,
)
from sqlalchemy.exc import OperationalError, SQLAlchemyError
from werkzeug.exceptions import HTTPException

from seat_core import NoSeatAvailable, Refusal

from .. import error_texts, metrics
from ..http_texts import description
from ..jsonbody import InvalidJsonValue, MalformedJson
from ..refusals import remember

log = logging.getLogger("scim_gateway.scim")

CONTENT_TYPE = "application/scim+json"


class SeatLimitReached(SCIMException):
    """No free seat: 403, never 409 (taken as "exists") nor 429/5xx (taken as transient)."""

    status = 403
    scim_type = "seatLimitReached"


class ContractEnded(SCIMException):
    """The contract has ended and was not renewed, so no seat can be taken."""

    status = 403
    scim_type = "contractExpired"


class Unauthorized(SCIMException):
    status = 401
    headers = {"WWW-Authenticate": 'Bearer realm="scim"'}


class TooManyRequests(SCIMException):
    status = 429

    def __init__(self, *, retry_after: int, **kw: Any) -> None:
        super().__init__(**kw)
        self.headers = {"Retry-After": str(retry_after)}


class MethodNotAllowed(SCIMException):
    status = 405

    def __init__(self, *, allowed: list[str], **kw: Any) -> None:
        super().__init__(**kw)
        self.headers = {"Allow": ", ".join(allowed)}


def invalid_value(detail: str) -> InvalidValueException:
    """Return the 400 invalidValue error for a value that does not fit its attribute."""
    return InvalidValueException(detail=detail)


def scim_response(
    payload: dict[str, Any] | None, status: int = 200, headers: dict[str, str] | None = None
) -> Response:
    """Return a response with a SCIM body and content type."""
    body = "" if payload is None else json.dumps(payload)
    response = Response(body, status=status, headers=headers or {})
    if payload is not None:
        response.content_type = CONTENT_TYPE
    return response


def error_response(error: Error, headers: dict[str, str] | None = None) -> Response:
    """Return the response carrying a SCIM Error."""
    status = int(error.status or 500)
    return scim_response(error.model_dump(), status, headers)


def init(bp: Blueprint) -> None:
    """Map every exception raised under the blueprint onto a SCIM Error."""

    @bp.errorhandler(SCIMException)
    def scim_exception(error: SCIMException) -> Response:
        return error_response(error.to_error(), getattr(error, "headers", None))

    @bp.errorhandler(Refusal)
    def seat_refused(refusal: Refusal) -> Response:
        # docs/rules.md, Refusals: remembered as a seat request, then 403 (never 409 or 5xx).
        remember(refusal, channel="scim")
        detail = error_texts.message(refusal)
        if isinstance(refusal, NoSeatAvailable):
            return error_response(SeatLimitReached(detail=detail).to_error())
        return error_response(ContractEnded(detail=detail).to_error())

    @bp.errorhandler(MalformedJson)
    def malformed_json(error: MalformedJson) -> Response:
        return error_response(InvalidSyntaxException(detail=error.detail).to_error())

    @bp.errorhandler(InvalidJsonValue)
    def invalid_json_value(error: InvalidJsonValue) -> Response:
        return error_response(InvalidValueException(detail=error.detail).to_error())

    @bp.errorhandler(ValidationError)
    def validation_error(error: ValidationError) -> Response:
        errors = Error.from_validation_errors(error)
        return error_response(errors[0] if errors else Error(status=400, scim_type="invalidValue"))

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException) -> Response:
        status = error.code or 500
        details = {
            404: _("No such resource or endpoint."),
            405: _("This endpoint does not accept that method."),
            413: _(
                "The request body is larger than %(limit)d bytes.",
                limit=current_app.config["MAX_CONTENT_LENGTH"],
            ),
        }
        detail = details.get(status) or description(error.description or error.name)
        return error_response(Error(status=status, detail=detail))

    @bp.errorhandler(OperationalError)
    def database_unavailable(error: OperationalError) -> Response:
        # A database that is down, restarting or locked: tell the identity provider to
        # retry; the transaction was rolled back, so nothing was half-written.
        log.error("database unavailable: %s", error.orig)
        metrics.database_error(error, 503)
        retry = str(current_app.config["RETRY_AFTER_SECONDS"])
        return error_response(
            Error(status=503, detail=_("The database is unavailable; retry later.")),
            {"Retry-After": retry},
        )

    @bp.errorhandler(Exception)
    def unexpected(error: Exception) -> Response:
        log.exception("unexpected error in a SCIM request")
        if isinstance(error, SQLAlchemyError):
            metrics.database_error(error, 500)
        return error_response(
            Error(status=500, detail=_("Internal error; it was logged for the operator."))
        )
