"""The JSON API refuses malformed input with problem JSON, on SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from scim_gateway.db import transaction
from seat_core import get_organization
from seat_core.models import Invoice, Member

from .conftest import auth

QUOTE = "/api/v1/orgs/acme/seats/quote"
PURCHASES = "/api/v1/orgs/acme/seats/purchases"
SIGN_INS = "/api/v1/orgs/acme/sign-ins"
JSON = {"Content-Type": "application/json"}


def count(app: Flask, model: type) -> int:
    with app.app_context(), transaction() as session:
        return session.scalar(select(func.count()).select_from(model)) or 0


def seats_purchased(app: Flask) -> int:
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        return int(organization.contract.seats_purchased)


def assert_problem(response: Any, status: int, says: str = "") -> dict[str, Any]:
    assert response.status_code == status, response.data[:300]
    assert response.content_type == "application/problem+json"
    body: dict[str, Any] = response.json
    assert body["status"] == status and says in body["detail"]
    return body


def test_a_repeated_key_on_a_purchase_is_refused_and_buys_nothing(
    app: Flask, client: FlaskClient, tokens: dict[str, str]
) -> None:
    before = seats_purchased(app)
    headers = auth(tokens["primary"], **{"Idempotency-Key": "dup", **JSON})

    response = client.post(PURCHASES, data='{"seats": 1, "seats": 9000}', headers=headers)

    assert_problem(response, 400, "'seats' appears more than once")
    assert (count(app, Invoice), seats_purchased(app)) == (0, before)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("[" * 10_000 + "]" * 10_000, "64 levels deep"),
        ('{"seats": NaN}', "NaN"),
        ('{"seats": 1e999}', "too large"),
        ('{"seats": 18446744073709551616}', "64-bit"),
        ('{"seats": 1, "x\\u0000": 2}', "U+0000"),
        ('{"seats": "\\udfff"}', "U+DFFF"),
        (b'{"seats": "\xc0"}', "UTF-8"),
        ("", "not valid JSON"),
    ],
    ids=["deep", "nan", "infinity", "huge", "nul-key", "surrogate", "latin1", "empty"],
)
def test_a_body_the_decoder_refuses_gets_a_problem_400(
    app: Flask, client: FlaskClient, tokens: dict[str, str], text: str | bytes, says: str
) -> None:
    headers = auth(tokens["primary"], **{"Idempotency-Key": "bad", **JSON})

    quote = client.post(QUOTE, data=text, headers=auth(tokens["primary"], **JSON))
    purchase = client.post(PURCHASES, data=text, headers=headers)

    assert_problem(quote, 400, says)
    assert_problem(purchase, 400, says)
    assert count(app, Invoice) == 0


@pytest.mark.parametrize(
    "text",
    [
        '{"issuer": "https://idp.example", "sub": "a\\u0000b", "email": "eve@acme.test"}',
        '{"issuer": "https://idp.example", "sub": "a", "sub": "b", "email": "eve@acme.test"}',
        '{"issuer": "https://idp.example", "sub": "\\ud800", "email": "eve@acme.test"}',
    ],
    ids=["nul", "repeated-key", "surrogate"],
)
def test_the_sign_in_hook_refuses_a_bad_body_and_creates_no_member(
    app: Flask, client: FlaskClient, tokens: dict[str, str], text: str
) -> None:
    response = client.post(SIGN_INS, data=text, headers=auth(tokens["product"], **JSON))

    assert_problem(response, 400)
    assert count(app, Member) == 0


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/orgs/ac%00me/seats",
        "/api/v1/orgs/acme/invoices/INV%C2%9F1",
        "/api/v1/orgs/acme/seat-requests?status=pending%00",
        "/api/v1/orgs/acme/invoices?limit%01=5",
    ],
    ids=["nul-in-org", "c1-in-number", "nul-in-query", "control-in-name"],
)
def test_a_refused_character_in_the_url_gets_a_problem_400(
    client: FlaskClient, tokens: dict[str, str], path: str
) -> None:
    response = client.get(path, headers=auth(tokens["owner"]))

    assert_problem(response, 400, "which is not accepted")


@pytest.mark.parametrize(
    "query",
    ["limit=99999999999999999999999", "before=99999999999999999999999", "limit=1_0", "limit=%205"],
)
def test_an_integer_parameter_out_of_range_or_form_gets_a_problem_400(
    client: FlaskClient, tokens: dict[str, str], query: str
) -> None:
    response = client.get(f"/api/v1/orgs/acme/invoices?{query}", headers=auth(tokens["owner"]))

    assert_problem(response, 400)


def test_unknown_paths_and_methods_get_problem_json_not_html(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    missing = client.get("/api/v1/orgs/acme/nothing-here", headers=auth(tokens["owner"]))
    method = client.delete("/api/v1/orgs/acme/seats", headers=auth(tokens["owner"]))
    # An invoice number holding a slash matches no route at all.
    slashed = client.get("/api/v1/orgs/acme/invoices/INV-1/2", headers=auth(tokens["owner"]))

    assert_problem(missing, 404)
    assert_problem(slashed, 404)
    assert_problem(method, 405)
    assert "GET" in method.headers["Allow"]


def test_an_unexpected_error_gets_a_problem_500_without_a_traceback(
    client: FlaskClient, tokens: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr("scim_gateway.api.seats.usage", broken)

    response = client.get("/api/v1/orgs/acme/seats", headers=auth(tokens["owner"]))

    body = assert_problem(response, 500, "logged for the operator")
    assert "secret internals" not in response.get_data(as_text=True) and "title" in body


def test_an_over_long_url_gets_a_problem_414(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = client.get("/api/v1/orgs/acme/invoices?limit=" + "9" * 9000)

    assert_problem(response, 414, "8000")
