"""Hostile requests to the owners' JSON API get problem JSON, never a 5xx, and keep the seats."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

import pytest
from flask import Flask
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from scim_gateway import create_app
from tests.api.api.conftest import create_org
from tests.conftest import TEST_CONFIG

from . import strategies as s
from .checks import bounded, check_problem_response, check_seats, send

ORG = "/api/v1/orgs/acme"


@dataclass
class Api:
    """Acme's app and the Authorization headers of its tokens."""

    app: Flask
    tokens: dict[str, str]

    def send(
        self, method: str, path: str, data: bytes | str | None = None, token: str = "primary"
    ) -> TestResponse:
        """Send a request with a token and check the answer is JSON or problem JSON."""
        headers = {"Authorization": self.tokens[token], "Content-Type": "application/json"}
        response = send(self.app.test_client(), method, path, data=data, headers=headers)
        check_problem_response(response)
        return response


@pytest.fixture
def api(database_url: str) -> Iterator[Api]:
    """Acme with 3 seats, one held by a member who signed in before the fuzzing."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    api = Api(app, create_org(app, seats=3))
    first = {"issuer": "https://idp.example", "sub": "kept", "email": "kept@example.com"}
    assert api.send("POST", f"{ORG}/sign-ins", s.encode(first), "product").status_code == 200
    yield api
    app.extensions["db"].dispose()


identities = st.fixed_dictionaries(
    {},
    optional={
        "issuer": s.maybe(st.one_of(st.just("https://idp.example"), s.text)),
        "sub": s.maybe(s.names),
        "email": s.maybe(s.emails),
        "email_verified": s.maybe(st.booleans()),
        "name": s.maybe(s.text),
    },
)


def test_generated_sign_ins_are_admitted_or_refused_with_a_problem(api: Api) -> None:
    kept = {"issuer": "https://idp.example", "sub": "kept", "email": "kept@example.com"}

    @given(body=st.one_of(identities, s.json_values))
    @example(body={"issuer": "https://idp.example", "sub": "nul\x00", "email": "a@example.com"})
    @example(body={"issuer": "https://idp.example", "sub": "\ud800", "email": "b@example.com"})
    @example(body={"issuer": "https://idp.example\u202e", "sub": "c", "email": "c\x00@x.com"})
    @example(body={"issuer": "https://idp.example", "sub": "d", "email": "test.user@okta.local"})
    @example(body={"issuer": "x", "sub": "e", "email_verified": "False"})
    @bounded(60)
    def check(body: Any) -> None:
        api.send("POST", f"{ORG}/sign-ins", s.encode(body), "product")
        check_seats(api.app, "acme")
        again = api.send("POST", f"{ORG}/sign-ins", s.encode(kept), "product")
        assert again.json["seat"] == {"held": True, "taken_now": False}

    check()


def test_malformed_sign_in_text_gets_a_problem(api: Api) -> None:
    prefix = s.encode({"issuer": "https://idp.example", "sub": "raw"})[:-1]
    failures = []

    for raw in s.malformed_texts(prefix):
        try:
            api.send("POST", f"{ORG}/sign-ins", raw, "product")
        except AssertionError as failure:
            shown = raw if len(raw) <= 160 else raw[:80] + b"..."
            failures.append(f"{shown!r} ({len(raw)} bytes): {failure}")
    check_seats(api.app, "acme")

    assert failures == [], "\n".join(failures)


@pytest.mark.parametrize("listing", ["invoices", "seat-requests"])
def test_a_cursor_beyond_every_stored_id_is_answered_without_a_server_error(
    api: Api, listing: str
) -> None:
    newest = api.send("GET", f"{ORG}/{listing}", token="owner")

    response = api.send("GET", f"{ORG}/{listing}?before=2147483648", token="owner")

    # Every stored id is older than such a cursor: the page is the newest one.
    assert response.status_code == 200
    assert response.json == newest.json


def test_generated_owner_requests_are_answered_or_refused_with_a_problem(api: Api) -> None:
    reads = st.sampled_from(["/seats", "/invoices", "/seat-requests"])
    query = st.lists(
        st.tuples(
            st.sampled_from(["limit", "before", "status", "x"]),
            st.one_of(s.number_texts, s.short_text),
        ),
        max_size=3,
    ).map(
        lambda pairs: "&".join(
            f"{name}={quote(value.encode('utf-8', 'surrogatepass'), safe='')}"
            for name, value in pairs
        )
    )
    invoice = s.text.map(lambda number: quote(number.encode("utf-8", "surrogatepass"), safe=""))
    quote_body = st.one_of(
        st.fixed_dictionaries({"seats": s.maybe(s.numbers)}), s.json_values, s.user_bodies()
    )

    @given(
        request=st.one_of(
            st.tuples(st.just("GET"), st.builds(lambda p, q: f"{p}?{q}", reads, query), st.none()),
            st.tuples(st.just("GET"), invoice.map(lambda n: f"/invoices/{n}"), st.none()),
            st.tuples(st.just("POST"), st.just("/seats/quote"), quote_body.map(s.encode)),
        )
    )
    @example(request=("GET", f"/invoices?before={10**30}", None))
    @example(request=("GET", "/seat-requests?before=2147483648", None))
    @example(request=("GET", "/invoices/%00", None))
    @example(request=("GET", "/invoices/%ED%A0%80", None))
    @example(request=("POST", "/seats/quote", '{"seats": 1e999}'))
    @example(request=("POST", "/seats/quote", '{"seats": NaN}'))
    @example(request=("POST", "/seats/quote", '{"seats": ' + "9" * 5000 + "}"))
    @bounded(60)
    def check(request: tuple[str, str, str | None]) -> None:
        method, path, body = request
        api.send(method, ORG + path, body)

    check()
    count = check_seats(api.app, "acme")
    assert count.seats_purchased == 3
