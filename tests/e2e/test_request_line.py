"""Under the real gunicorn, long and malformed URLs get a SCIM Error, never an HTML page."""

from __future__ import annotations

import http.client
import json
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


@pytest.fixture
def gateway(database_url: str) -> Iterator[tuple[str, str]]:
    """Run the gateway under gunicorn on a database with acme; yield its URL and token."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        acme = gen_organization(session, seats=5, start=date.today() - timedelta(days=30), at=at)
        _, token = issue_token(session, acme, kind="scim", at=at)
    app.extensions["db"].dispose()
    env = {
        "SCIM_GATEWAY_DATABASE_URL": database_url,
        "SCIM_GATEWAY_SECRET_KEY": "request-line-secret-key",
        "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
    }
    with start_gunicorn(env, workers=1) as base_url:
        yield base_url, token


def send(gateway: tuple[str, str], target: str) -> tuple[int, str, Any]:
    """GET the raw request target as given (no client-side quoting); return the answer."""
    base_url, token = gateway
    connection = http.client.HTTPConnection(urlsplit(base_url).netloc, timeout=10)
    try:
        connection.request("GET", target, headers={"Authorization": f"Bearer {token}"})
        response = connection.getresponse()
        body = response.read()
    finally:
        connection.close()
    return response.status, response.getheader("Content-Type", ""), json.loads(body)


def assert_scim_error(answer: tuple[int, str, Any], status: int, scim_type: str | None) -> str:
    code, content_type, body = answer
    assert (code, content_type) == (status, "application/scim+json"), body
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status) and body.get("scimType") == scim_type
    detail: str = body["detail"]
    return detail


def test_urls_of_every_length_get_a_scim_answer(gateway: tuple[str, str]) -> None:
    long_filter = "/scim/v2/Users?filter=" + "userName%20eq%20%22a%22%20or%20" * 160 + "true"
    over_app = "/scim/v2/Users?attributes=" + "userName," * 900
    over_gunicorn = "/scim/v2/Users?filter=" + "x" * 9000

    filtered = send(gateway, long_filter)
    app_limit = send(gateway, over_app)
    server_limit = send(gateway, over_gunicorn)

    # Past gunicorn's default 4094-byte line, so gunicorn.conf.py was read.
    assert 4094 < len(long_filter) < 8000
    assert "filter is longer" in assert_scim_error(filtered, 400, "invalidFilter")
    assert 8000 < len(over_app) < 8190
    assert "8000" in assert_scim_error(app_limit, 414, None)
    assert "POST .search" in assert_scim_error(server_limit, 414, None)


@pytest.mark.parametrize(
    ("target", "scim_type"),
    [
        ("/scim/v2/Users/abc%00def", "invalidValue"),
        ("/scim/v2/Users/abc%ED%A0%80", "invalidSyntax"),
        ("/scim/v2/Users/%ff", "invalidSyntax"),
        ("/scim/v2/Users?filter=userName%20eq%20%22a%00%22", "invalidValue"),
    ],
    ids=["nul", "utf8-surrogate", "not-utf8", "nul-in-filter"],
)
def test_malformed_characters_in_the_url_get_a_scim_400(
    gateway: tuple[str, str], target: str, scim_type: str
) -> None:
    answer = send(gateway, target)

    assert_scim_error(answer, 400, scim_type)
