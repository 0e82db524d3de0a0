"""gunicorn settings every way of running the gateway shares (docs/input.md, docs/metrics.md)."""

from __future__ import annotations

import glob
import html
import json
import os
import shutil
import tempfile
from typing import Any

from gunicorn.http.errors import (
    InvalidHeader,
    InvalidHeaderName,
    ObsoleteFolding,
)
from gunicorn.http.message import Request
from gunicorn.util import write_nonblock

# gunicorn's largest bounded request line (0 would read a line of any length into memory).
# A SCIM filter or attributes list in a GET fits with room to spare; the app answers a
# URL over its own, lower bound with the error format of the part of the app asked.
limit_request_line = 8190

# The master imports the app once and forks its workers from it: a worker starts in
# milliseconds instead of importing the app itself (about 2.5 s of CPU each), and the
# workers share the imported code's memory (wsgi.py keeps the garbage collector off those
# pages). Nothing the app opens is shared: its database engine is made on first use in
# each process (scim_gateway/db.py), and prometheus_client's multiprocess values and
# Python's random generator notice the fork. A HUP restarts the workers on the code loaded
# at start; a new release needs a new master (a restart).
preload_app = True

# gunicorn's access log line, with the request id the app put on the response (the same id
# is on the app's own log lines of that request). Printed with --access-logfile.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms '
    "request_id=%({x-request-id}o)s"
)

# Metrics: each worker keeps its counters in files in this directory, which a scrape of any
# worker adds up (prometheus_client's multiprocess mode). Set here, before any worker loads
# the app, because prometheus_client chooses where to keep values when it is imported.
# Files of an earlier run are removed, so counters start from zero with the server.
METRICS_DIR_ENV = "PROMETHEUS_MULTIPROC_DIR"
_TEMPORARY_PREFIX = "scim-gateway-metrics-"


def _prepare_metrics_dir() -> str:
    path = os.environ.get(METRICS_DIR_ENV)
    if not path:
        path = tempfile.mkdtemp(prefix=_TEMPORARY_PREFIX)
        os.environ[METRICS_DIR_ENV] = path
    os.makedirs(path, exist_ok=True)
    for stale in glob.glob(os.path.join(path, "*.db")):
        os.remove(stale)
    return path


metrics_dir = _prepare_metrics_dir()


def child_exit(server: Any, worker: Any) -> None:
    """Let a dead worker's live gauges go; its counters stay in the totals."""
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid, metrics_dir)


def on_exit(server: Any) -> None:
    """Remove the metrics directory when this configuration made it (a temporary one)."""
    if os.path.basename(metrics_dir).startswith(_TEMPORARY_PREFIX):
        shutil.rmtree(metrics_dir, ignore_errors=True)


# What gunicorn refuses before the app runs (docs/input.md), said in the gateway's words:
# gunicorn's own messages quote the refused bytes back.
_DETAILS = {
    414: "The request line is longer than 8190 bytes.",
    431: "The request's headers are too large: at most 100 headers, each under 8190 bytes.",
    "header": "A request header holds a character HTTP does not allow, such as a control "
    "character, or its name is not a token.",
    "line": "The request line is malformed: its URL must be printable ASCII, with any "
    "other character percent-encoded.",
}
# How much of a request's first bytes is kept to tell which part of the app it asked for.
_HEAD = 256


def _keep_head(read_into: Any) -> Any:
    def read_into_keeping_the_head(self: Any, unreader: Any, buf: Any, stop: bool = False) -> Any:
        read = read_into(self, unreader, buf, stop)
        # The first read of a request, and the next ones while they add to the same start
        # (a client may send its request line in pieces).
        head = getattr(self, "gateway_head", None)
        if head is None or (len(head) < _HEAD and bytes(buf[: len(head)]) == head):
            self.gateway_head = bytes(buf[:_HEAD])
        return read

    return read_into_keeping_the_head


def _with_head(parse: Any) -> Any:
    def parse_telling_the_head(self: Any, unreader: Any) -> Any:
        try:
            return parse(self, unreader)
        except Exception as error:
            # The request object is lost with the error; the head goes with the error.
            error.gateway_head = getattr(self, "gateway_head", b"")  # type: ignore[attr-defined]
            raise

    return parse_telling_the_head


# Patched in the master, before workers fork; both of gunicorn's parsers start with them.
Request.read_into = _keep_head(Request.read_into)  # type: ignore[method-assign]
Request.parse = _with_head(Request.parse)  # type: ignore[method-assign]


def _part(head: bytes) -> str:
    """Return "scim", "api" or "page": the part of the app a request's first bytes ask."""
    line = head.lstrip(b"\r\n").split(b"\r\n", 1)[0]
    words = line.split(b" ", 2)
    target = words[1] if len(words) > 1 else b""
    if b"://" in target:  # absolute-form: http://host/path
        target = b"/" + target.split(b"://", 1)[1].partition(b"/")[2]
    path = target.split(b"?", 1)[0]
    if path.startswith(b"/scim/") or path == b"/scim":
        return "scim"
    if path.startswith(b"/api/") or path == b"/api":
        return "api"
    return "page"


def _detail(status: int, error: BaseException, part: str) -> str:
    if status == 414:
        detail = _DETAILS[414]
        if part == "scim":
            detail += " Send a long search as POST .search with the filter in the body."
        return detail
    if status == 431:
        return _DETAILS[431]
    if isinstance(error, InvalidHeader | InvalidHeaderName | ObsoleteFolding):
        return _DETAILS["header"]
    if status == 400:
        return _DETAILS["line"]
    if status >= 500:
        return "Internal error; it was logged for the operator."
    return "The server could not read this request."


def _answer(status: int, reason: str, detail: str, part: str, request_id: str) -> bytes:
    """Return a whole HTTP response in the format of the part of the app asked."""
    if part == "scim":
        content_type = "application/scim+json"
        body = json.dumps(
            {
                "schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                "status": str(status),
                "detail": detail,
            }
        ).encode()
    elif part == "api":
        content_type = "application/problem+json"
        problem = {"type": "about:blank", "title": reason, "status": status, "detail": detail}
        body = json.dumps(problem).encode()
    else:
        content_type = "text/html; charset=utf-8"
        body = (
            f"<!doctype html>\n<html lang=en>\n<title>{status} {html.escape(reason)}</title>\n"
            f"<h1>{html.escape(reason)}</h1>\n<p>{html.escape(detail)}</p>\n"
        ).encode()
    head = (
        f"HTTP/1.1 {status} {reason}\r\nConnection: close\r\nContent-Type: {content_type}\r\n"
        f"Content-Length: {len(body)}\r\nX-Request-Id: {request_id}\r\n\r\n"
    )
    return head.encode("latin-1") + body


class _Captured:
    """A socket that keeps what gunicorn would have sent, to read its status from."""

    def __init__(self) -> None:
        self.sent = b""

    def gettimeout(self) -> float:
        return 0.0

    def sendall(self, data: bytes) -> None:
        self.sent += data


def post_worker_init(worker: Any) -> None:
    """Answer what gunicorn refuses itself in the format of the part of the app asked."""
    # gunicorn refuses a request (line too long, headers too large or malformed) before
    # the app sees it, with an HTML page of its own. Its status and logging are kept; the
    # answer is rewritten as a SCIM Error, problem JSON or a plain page, as the app would.
    handle_error = worker.handle_error

    def answer(req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        captured = _Captured()
        handle_error(req, captured, addr, exc)
        status_line = captured.sent.split(b"\r\n", 1)[0].decode("latin-1")
        _, code, reason = [*status_line.split(" ", 2), "", ""][:3]
        status = int(code) if code.isdigit() else 500
        part = _part(getattr(exc, "gateway_head", b""))
        detail = _detail(status, exc, part)
        # Refused before the app, so the request id is made here (the app's own format).
        request_id = os.urandom(16).hex()
        worker.log.warning(
            "Refused by the server: ip=%s status=%s request_id=%s",
            (addr or ("",))[0],
            status,
            request_id,
        )
        try:
            write_nonblock(client, _answer(status, reason, detail, part, request_id))
        except OSError:
            worker.log.debug("Failed to send error message.")

    worker.handle_error = answer
