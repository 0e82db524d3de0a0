"""Every response carries X-Request-Id, and every log line written for it the same id."""

from __future__ import annotations

import io
import json
import logging
import re
from collections.abc import Iterator

import pytest
from flask import Flask
from sqlalchemy import text

from scim_gateway import request_id
from scim_gateway.db import transaction
from scim_gateway.logs import JsonFormatter
from tests.api.scim.conftest import BASE, Scim, make_organization, user

FRESH = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def acme(app: Flask) -> Iterator[Scim]:
    """Acme with one seat, taken; a page that fails with a 500; bodies over 2 KiB refused."""

    def broken() -> str:
        """Break the seat invariant, which the contract's CHECK constraint refuses."""
        with transaction() as session:
            session.execute(text("UPDATE contract SET seats_used = -1"))
        return "unreachable"

    app.add_url_rule("/broken", "broken", broken)
    app.config.update(PROPAGATE_EXCEPTIONS=False, MAX_CONTENT_LENGTH=2048)
    scim = Scim(app, app.test_client(), make_organization(app, "acme", 1), "acme")
    scim.create_user("ann@acme.test")
    yield scim


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    """Collect what the gateway logs, formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("scim_gateway")
    logger.addHandler(handler)
    yield stream
    logger.removeHandler(handler)


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", f"{BASE}/Users", 200),
        ("GET", f"{BASE}/Users/no-such-id", 404),
        ("POST", f"{BASE}/Users", 413),
        ("GET", f"{BASE}/Users?filter=" + "x" * 8100, 414),
        ("GET", f"{BASE}/Users", 401),
        ("GET", "/api/v1/orgs/acme/seats", 401),
        ("GET", "/admin/acme/login", 200),
        ("GET", "/sso/acme/login", 404),
        ("GET", "/healthz", 200),
        ("GET", "/readyz", 200),
        ("GET", "/no/such/page", 404),
        ("GET", "/broken", 500),
    ],
)
def test_every_response_carries_a_fresh_request_id(
    acme: Scim, method: str, path: str, status: int
) -> None:
    body = b"{" + b" " * 4096 + b"}" if status == 413 else None
    # The SCIM token is sent to SCIM, except to see the 401 its absence gets.
    token = {"Authorization": f"Bearer {acme.token}"} if status != 401 else {}

    first = acme.client.open(path, method=method, data=body, headers=token)
    second = acme.client.open(path, method=method, data=body, headers=token)

    assert (first.status_code, second.status_code) == (status, status)
    assert FRESH.fullmatch(first.headers["X-Request-Id"])
    assert first.headers["X-Request-Id"] != second.headers["X-Request-Id"]
    assert len(first.headers.getlist("X-Request-Id")) == 1


@pytest.mark.parametrize(
    "incoming",
    ["3f2b8c1e-4a6d-4f0e-9b7a-1c2d3e4f5a6b", "okta:req/42", "a", "A" * request_id.MAX_LENGTH],
)
def test_a_well_formed_incoming_id_is_kept(acme: Scim, incoming: str) -> None:
    response = acme.get("/Users", headers={"X-Request-Id": incoming})

    assert response.headers["X-Request-Id"] == incoming


@pytest.mark.parametrize(
    "incoming",
    ["", "A" * (request_id.MAX_LENGTH + 1), "two words", 'quote"d', "semi;colon", "-leading"],
)
def test_a_malformed_incoming_id_is_replaced(acme: Scim, incoming: str) -> None:
    response = acme.get("/Users", headers={"X-Request-Id": incoming})

    assert FRESH.fullmatch(response.headers["X-Request-Id"])


def test_the_log_lines_of_a_request_carry_its_id(acme: Scim, log_lines: io.StringIO) -> None:
    refused = acme.post("/Users", user("bob@acme.test"), headers={"X-Request-Id": "idp-req-42"})
    other = acme.post("/Users", user("cy@acme.test"))
    logging.getLogger("scim_gateway.test").warning("outside any request")

    entries = [json.loads(line) for line in log_lines.getvalue().splitlines()]
    by_message = {entry["message"].split(":")[0]: entry for entry in entries}
    refusals = [entry for entry in entries if entry.get("event") == "seat.refused"]

    assert (refused.status_code, other.status_code) == (403, 403)
    assert [entry["request_id"] for entry in refusals] == [
        "idp-req-42",
        other.headers["X-Request-Id"],
    ]
    assert "request_id" not in by_message["outside any request"]


def test_fresh_ids_are_unique_and_well_formed() -> None:
    ids = {request_id.new() for _ in range(10_000)}

    assert len(ids) == 10_000
    assert all(FRESH.fullmatch(one) for one in ids)
    assert request_id.choose(None) not in ids
