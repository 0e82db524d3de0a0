"""gunicorn settings every way of running the gateway shares (see docs/input.md)."""

from __future__ import annotations

import json
from typing import Any

from gunicorn.http.errors import LimitRequestLine
from gunicorn.util import write_nonblock

# gunicorn's largest bounded request line (0 would read a line of any length into memory).
# A SCIM filter or attributes list in a GET fits with room to spare; the app answers a
# URL over its own, lower bound with the error format of the part of the app asked.
limit_request_line = 8190

_DETAIL = (
    "The request line is longer than 8190 bytes. Send a long search as POST .search "
    "with the filter in the body."
)
_BODY = json.dumps(
    {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
        "status": "414",
        "detail": _DETAIL,
    }
).encode()
_URI_TOO_LONG = (
    b"HTTP/1.1 414 URI Too Long\r\n"
    b"Connection: close\r\n"
    b"Content-Type: application/scim+json\r\n"
    b"Content-Length: " + str(len(_BODY)).encode() + b"\r\n\r\n" + _BODY
)


def post_worker_init(worker: Any) -> None:
    """Answer a request line over the limit with a SCIM Error instead of an HTML page."""
    # gunicorn refuses the line before a path is read, so the app never sees it; only SCIM
    # clients send URLs this long (filters), and a SCIM Error is JSON anyone can read.
    handle_error = worker.handle_error

    def answer(req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        if not isinstance(exc, LimitRequestLine):
            handle_error(req, client, addr, exc)
            return
        worker.log.warning("Invalid request from ip=%s: %s", (addr or ("",))[0], exc)
        try:
            write_nonblock(client, _URI_TOO_LONG)
        except OSError:
            worker.log.debug("Failed to send error message.")

    worker.handle_error = answer
