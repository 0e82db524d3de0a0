"""Refuse a URL or form no view should read, before any view runs (docs/input.md)."""

from __future__ import annotations

from io import BytesIO
from urllib.parse import parse_qsl

from flask import Flask, current_app, request
from flask_babel import gettext as _
from gunicorn.http.errors import ParseException
from werkzeug.exceptions import HTTPException, default_exceptions
from werkzeug.http import HTTP_STATUS_CODES
from werkzeug.wrappers import Response

from seat_core.text import InvalidText, check_text, refused_character

from .http_texts import description

# The path and query string together. gunicorn refuses a request line over 8190 bytes
# (gunicorn.conf.py); below that this bound gives every server the same answer, in the
# format of the part of the app that was asked.
MAX_URL_LENGTH = 8000
_FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")


def init_app(app: Flask) -> None:
    """Check every request's URL and form fields before the views see them."""
    app.before_request(check_request)
    app.register_error_handler(HTTPException, unrouted)


def unrouted(error: HTTPException) -> Response | HTTPException:
    """Answer a 404 or 405 found before any blueprint was chosen in that part's format."""
    # A blueprint's own handlers take every error raised once a view is chosen; this one
    # sees routing errors, e.g. an unknown path or method under /api.
    if request.path.startswith(("/scim/", "/api/")) and error.code is not None:
        headers = {k: v for k, v in error.get_headers() if k.lower() != "content-type"}
        detail = description(error.description or error.name)
        return refusal(error.code, detail, headers=headers)
    return error


def check_request() -> Response | None:
    """Answer 413, 414 or 400 for a body, URL or form the gateway refuses; None lets it on."""
    too_large = _read_chunked_body()
    if too_large is not None:
        return too_large
    length = len(request.environ.get("PATH_INFO", "")) + len(request.query_string)
    if length > MAX_URL_LENGTH:
        detail = _(
            "The URL is %(length)d characters long; the gateway reads at most %(most)d.",
            length=length,
            most=MAX_URL_LENGTH,
        )
        if request.path.startswith("/scim/"):
            detail = _(
                "The URL is %(length)d characters long; the gateway reads at most %(most)d. "
                "Send a long search as POST .search with the filter in the body.",
                length=length,
                most=MAX_URL_LENGTH,
            )
        return refusal(414, detail)
    found = _url_problem() or _form_problem()
    if found is None:
        return None
    scim_type, detail = found
    return refusal(400, detail, scim_type=scim_type)


def refusal(
    status: int,
    detail: str,
    *,
    scim_type: str | None = None,
    headers: dict[str, str] | None = None,
) -> Response:
    """Return the error in the format of the part of the app the path belongs to."""
    # Imported here: the blueprints are loaded after the modules create_app starts with.
    if request.path.startswith("/scim/"):
        from scim2_models import Error

        from .scim.errors import error_response

        return error_response(Error(status=status, scim_type=scim_type, detail=detail), headers)
    if request.path.startswith("/api/"):
        from .api.auth import problem

        response: Response = problem(status, HTTP_STATUS_CODES.get(status, "Error"), detail)
    else:
        response = default_exceptions[status](description=detail).get_response()
    response.headers.update(headers or {})
    return response


def _read_chunked_body() -> Response | None:
    """Read a chunked body whole, up to MAX_CONTENT_LENGTH; answer 413 past it, 400 if broken.

    A chunked body has no Content-Length to refuse up front, and werkzeug's stream stops
    at the limit without an error: the view would read a body cut short, which may even
    be valid JSON. Read here once, it reaches the views as a body of known length.
    """
    environ = request.environ
    if "HTTP_TRANSFER_ENCODING" not in environ or request.content_length is not None:
        return None
    limit = current_app.config["MAX_CONTENT_LENGTH"]
    try:
        data = environ["wsgi.input"].read(limit + 1)
    except (OSError, ValueError, ParseException):
        # A chunk size that is not hex, a missing CRLF, or a client gone mid-body.
        detail = _("The request body is not valid chunked encoding (RFC 9112 §7.1).")
        return refusal(400, detail, scim_type="invalidSyntax")
    if len(data) > limit:
        return refusal(413, _("The request body is larger than %(limit)d bytes.", limit=limit))
    environ["wsgi.input"] = BytesIO(data)
    environ["CONTENT_LENGTH"] = str(len(data))
    del environ["HTTP_TRANSFER_ENCODING"]
    return None


def _url_problem() -> tuple[str, str] | None:
    # WSGI hands the path over as its raw bytes in latin-1; werkzeug would replace bytes
    # that are not UTF-8 with U+FFFD, so check them here, where they can still be seen.
    raw_path = request.environ.get("PATH_INFO", "")
    try:
        path = raw_path.encode("latin-1").decode("utf-8")
    except (UnicodeEncodeError, UnicodeDecodeError):
        return "invalidSyntax", _("The URL path is not percent-encoded UTF-8.")
    found = _refused("The URL path", path)
    if found is not None:
        return found
    if not request.query_string:
        return None
    try:
        pairs = parse_qsl(
            request.query_string.decode("latin-1"),
            keep_blank_values=True,
            encoding="utf-8",
            errors="strict",
        )
    except UnicodeDecodeError:
        return "invalidSyntax", _("The query string is not percent-encoded UTF-8.")
    # One search over every name and value joined; each is checked alone only to name the
    # refused one. Joining cannot make a refused character (see seat_core.text).
    if refused_character("".join(text for pair in pairs for text in pair)) is None:
        return None
    for name, value in pairs:
        found = _refused("A query parameter name", name) or _refused(
            f"The query parameter {name}", value
        )
        if found is not None:
            return found
    return None


def _form_problem() -> tuple[str, str] | None:
    if request.mimetype not in _FORM_TYPES:
        return None
    for name, value in request.form.items(multi=True):
        found = _refused("A form field name", name) or _refused(f"The form field {name}", value)
        if found is not None:
            return found
    return None


def _refused(what: str, text: str) -> tuple[str, str] | None:
    try:
        check_text(text, what=what)
    except InvalidText as error:
        return "invalidValue", error.message
    return None
