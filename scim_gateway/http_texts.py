"""HTTP's own words in the request's language: status phrases and werkzeug's descriptions.

A problem's title is its status's phrase (RFC 9457 §4.2.1), and an unknown path or method
is described by werkzeug: both are said here in the request's language. Texts not in the
tables stay as they are.
"""

from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l

PHRASES: dict[str, Any] = {
    "Bad Request": _l("Bad Request"),
    "Unauthorized": _l("Unauthorized"),
    "Forbidden": _l("Forbidden"),
    "Not Found": _l("Not Found"),
    "Method Not Allowed": _l("Method Not Allowed"),
    "Not Acceptable": _l("Not Acceptable"),
    "Conflict": _l("Conflict"),
    "Request Entity Too Large": _l("Request Entity Too Large"),
    "Request URI Too Long": _l("Request URI Too Long"),
    "Unsupported Media Type": _l("Unsupported Media Type"),
    "Unprocessable Content": _l("Unprocessable Content"),
    "Unprocessable Entity": _l("Unprocessable Entity"),
    "Too Many Requests": _l("Too Many Requests"),
    "Internal Server Error": _l("Internal Server Error"),
    "Service Unavailable": _l("Service Unavailable"),
}

# werkzeug's descriptions of the errors routing raises before a view runs.
DESCRIPTIONS: dict[str, Any] = {
    "The requested URL was not found on the server. If you entered the URL manually please "
    "check your spelling and try again.": _l(
        "The requested URL was not found on the server. If you entered the URL manually "
        "please check your spelling and try again."
    ),
    "The method is not allowed for the requested URL.": _l(
        "The method is not allowed for the requested URL."
    ),
    "The data value transmitted exceeds the capacity limit.": _l(
        "The data value transmitted exceeds the capacity limit."
    ),
    "The server does not support the media type transmitted in the request.": _l(
        "The server does not support the media type transmitted in the request."
    ),
}


def phrase(text: str) -> str:
    """Return a status phrase ("Not Found") in the request's language."""
    found = PHRASES.get(text)
    return text if found is None else str(found)


def description(text: str) -> str:
    """Return werkzeug's description of an error in the request's language."""
    found = DESCRIPTIONS.get(text)
    return text if found is None else str(found)
