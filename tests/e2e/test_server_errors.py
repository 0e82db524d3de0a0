"""Under the real gunicorn, what gunicorn refuses itself is answered in the part's own format.

A SCIM Error under /scim/v2, problem JSON under /api/v1, a plain page elsewhere: the
requests are written byte for byte, as a client that breaks HTTP would write them.
"""

from __future__ import annotations

import contextlib
import json
import socket
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

import pytest

from scim_gateway import create_app
from scim_gateway.db import transaction
from scim_gateway.tokens import issue_token
from tests.conftest import TEST_CONFIG
from tests.factories import gen_organization
from tests.support.servers import start_gunicorn

KEY = "aWtbcxwtS1yd6S8x8Nn1GWmFz8Xq1QOTyhSU9Bd7Kzo="
USER = b'{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "%s"}'

PARTS = {
    "scim": ("/scim/v2/Users", "application/scim+json"),
    "api": ("/api/v1/orgs/acme/seats", "application/problem+json"),
    "page": ("/admin/acme/login", "text/html; charset=utf-8"),
}


@pytest.fixture
def gateway(database_url: str) -> Iterator[tuple[str, str]]:
    """Run the gateway under gunicorn on a fresh database (SQLite and PostgreSQL).

    gunicorn refuses most of these requests before the app reads any database; each runs on
    both all the same, as every input test does.
    """
    with gunicorn_on(database_url) as running:
        yield running


def gunicorn_on(database_url: str) -> Any:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        acme = gen_organization(session, seats=5, start=date.today() - timedelta(days=30), at=at)
        _, token = issue_token(session, acme, kind="scim", at=at)
    app.extensions["db"].dispose()
    env = {
        "SCIM_GATEWAY_DATABASE_URL": database_url,
        "SCIM_GATEWAY_SECRET_KEY": "server-errors-secret-key",
        "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
        "SCIM_GATEWAY_MAX_CONTENT_LENGTH": str(64 * 1024),
    }

    class Running:
        def __enter__(self) -> tuple[str, str]:
            self.context = start_gunicorn(env, workers=1)
            base_url = self.context.__enter__()
            return urlsplit(base_url).netloc, token

        def __exit__(self, *exc: object) -> None:
            self.context.__exit__(*exc)

    return Running()


def exchange(address: str, raw: bytes) -> tuple[int, str, bytes]:
    """Send raw bytes, read the answer to the end; return its status, type and body."""
    host, port = address.rsplit(":", 1)
    with socket.create_connection((host, int(port)), timeout=15) as connection:
        # The server may answer and close before it has read everything.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.sendall(raw)
        received = b""
        while True:
            try:
                chunk = connection.recv(65536)
            except ConnectionResetError:
                break
            if not chunk:
                break
            received += chunk
            head, _, body = received.partition(b"\r\n\r\n")
            length = [
                int(line.split(b":", 1)[1])
                for line in head.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            ]
            if length and len(body) >= length[0]:
                break
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split(" ")[1])
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return status, headers.get("Content-Type", ""), body


def request(target: str | bytes, *headers: bytes, method: bytes = b"GET") -> bytes:
    """Return a request head as given, with Host, the headers and a blank line."""
    line = target.encode() if isinstance(target, str) else target
    head = [method + b" " + line + b" HTTP/1.1", b"Host: 127.0.0.1", *headers]
    return b"\r\n".join(head) + b"\r\n\r\n"


def assert_in_format(part: str, answer: tuple[int, str, bytes], status: int, says: str) -> None:
    code, content_type, body = answer
    assert (code, content_type) == (status, PARTS[part][1]), body
    if part == "scim":
        error = json.loads(body)
        assert error["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
        assert error["status"] == str(status) and says in error["detail"]
    elif part == "api":
        problem = json.loads(body)
        assert problem["status"] == status and says in problem["detail"]
    else:
        page = body.decode()
        assert page.startswith("<!doctype html>") and says in page
        assert str(status) in page


CASES = {
    "header-over-8190-bytes": (lambda path: request(path, b"X-Big: " + b"a" * 9000), 431),
    "101-headers": (
        lambda path: request(path, *(b"X-H%d: v" % n for n in range(101))),
        431,
    ),
    "del-in-idempotency-key": (lambda path: request(path, b"Idempotency-Key: a\x7fb"), 400),
    "non-ascii-in-request-line": (lambda path: request(path.encode() + b"?q=\xff"), 400),
    "request-line-over-8190-bytes": (lambda path: request(path + "?q=" + "x" * 9000), 414),
}
SAYS = {431: "headers", 400: "", 414: "8190"}


def test_what_gunicorn_refuses_is_answered_in_the_format_of_the_part_asked(
    gateway: tuple[str, str],
) -> None:
    # One server per database for all fifteen requests: starting gunicorn is the slow part.
    address = gateway[0]
    failures = []

    for case, (build, status) in CASES.items():
        for part, (path, _) in PARTS.items():
            answer = exchange(address, build(path))
            try:
                assert_in_format(part, answer, status, SAYS[status])
            except AssertionError as failure:
                failures.append(f"{case} on {path}: {failure}")

    assert failures == []


def test_a_request_line_gunicorn_cannot_read_at_all_gets_a_plain_page(
    gateway: tuple[str, str],
) -> None:
    answer = exchange(gateway[0], b"\xff\xfe\r\n\r\n")

    assert_in_format("page", answer, 400, "")


def chunked(target: str, token: str, body: bytes) -> bytes:
    head = request(
        target,
        b"Authorization: Bearer " + token.encode(),
        b"Content-Type: application/scim+json",
        b"Transfer-Encoding: chunked",
        method=b"POST",
    )
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 8192]), body[i : i + 8192])
        for i in range(0, len(body), 8192)
    )
    return head + chunks + b"0\r\n\r\n"


def test_a_chunked_body_over_the_limit_is_a_413_and_creates_nothing(
    gateway: tuple[str, str],
) -> None:
    address, token = gateway
    padding = b" " * (64 * 1024)
    over = USER % b"ann" + padding
    under = USER % b"bob"

    refused = exchange(address, chunked("/scim/v2/Users", token, over))
    broken = exchange(address, chunked("/scim/v2/Users", token, b"").replace(b"0\r\n", b"zz\r\n"))
    accepted = exchange(address, chunked("/scim/v2/Users", token, under))
    listed = exchange(
        address, request("/scim/v2/Users", b"Authorization: Bearer " + token.encode())
    )

    assert_in_format("scim", refused, 413, "")
    assert_in_format("scim", broken, 400, "chunked")
    assert accepted[0] == 201, accepted
    assert [user["userName"] for user in json.loads(listed[2])["Resources"]] == ["bob"]
