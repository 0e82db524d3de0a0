"""gunicorn settings every way of running the gateway shares (docs/input.md, docs/metrics.md)."""

from __future__ import annotations

import glob
import json
import os
import shutil
import tempfile
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
    b"Content-Length: " + str(len(_BODY)).encode() + b"\r\n"
)

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


def post_worker_init(worker: Any) -> None:
    """Answer a request line over the limit with a SCIM Error instead of an HTML page."""
    # gunicorn refuses the line before a path is read, so the app never sees it; only SCIM
    # clients send URLs this long (filters), and a SCIM Error is JSON anyone can read.
    handle_error = worker.handle_error

    def answer(req: Any, client: Any, addr: Any, exc: BaseException) -> None:
        if not isinstance(exc, LimitRequestLine):
            handle_error(req, client, addr, exc)
            return
        # Refused before the app, so the request id is made here (the app's own format).
        request_id = os.urandom(16).hex()
        worker.log.warning(
            "Invalid request from ip=%s: %s request_id=%s", (addr or ("",))[0], exc, request_id
        )
        response = _URI_TOO_LONG + b"X-Request-Id: " + request_id.encode() + b"\r\n\r\n" + _BODY
        try:
            write_nonblock(client, response)
        except OSError:
            worker.log.debug("Failed to send error message.")

    worker.handle_error = answer
