"""Every integer in a route answers 404 past the range a row id can have, on both databases."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.routing import IntegerConverter, Rule

from scim_gateway.routing import ROW_ID_MAX

from .conftest import csrf, post_form


def integer_routes(app: Flask) -> list[tuple[Rule, str]]:
    """Return every rule with an integer parameter, with each method it answers."""
    found = []
    for rule in app.url_map.iter_rules():
        converters: dict[str, Any] = rule._converters
        if any(isinstance(each, IntegerConverter) for each in converters.values()):
            found += [(rule, method) for method in sorted(rule.methods - {"HEAD", "OPTIONS"})]
    return found


def url_of(rule: Rule, number: int) -> str:
    """Return the rule's path with acme as the organization and number as every integer."""
    path = rule.rule
    for name, converter in rule._converters.items():
        value = str(number) if isinstance(converter, IntegerConverter) else "acme"
        path = path.replace(f"<{name}>", value).replace(f"<int:{name}>", value)
    return path


@pytest.mark.parametrize("number", [2**31, 2**63, 2**63 - 1, 0])
def test_every_integer_route_parameter_answers_404_outside_the_stored_range(
    app: Flask, primary: FlaskClient, number: int
) -> None:
    routes = integer_routes(app)
    token = csrf(primary.get("/admin/acme/alerts").text)

    answers = {
        (method, url_of(rule, number)): primary.open(
            url_of(rule, number), method=method, data={"csrf_token": token}
        ).status_code
        for rule, method in routes
    }

    assert len(routes) >= 7, "the seat requests, recipients, webhooks and deliveries routes"
    assert answers == {key: 404 for key in answers}


def test_the_largest_id_a_row_can_have_is_looked_up_without_an_error(
    app: Flask, primary: FlaskClient
) -> None:
    token = csrf(primary.get("/admin/acme/alerts").text)

    answers = {
        rule.rule: primary.open(
            url_of(rule, ROW_ID_MAX), method=method, data={"csrf_token": token}
        ).status_code
        for rule, method in integer_routes(app)
        # The owner's session opens the owners' pages; other parts ask for their own tokens.
        if rule.rule.startswith("/admin/")
    }

    # No such row: refused or sent back to its page, never an error of the database.
    assert {r: s for r, s in answers.items() if s not in (302, 303, 404)} == {}


@pytest.mark.parametrize("number", ["2147483648", "9223372036854775808", "٣", "1_0"])
def test_dismissing_a_seat_request_past_the_id_range_is_a_404(
    primary: FlaskClient, number: str
) -> None:
    response = post_form(
        primary, "/admin/acme/seat-requests", f"/admin/acme/seat-requests/{number}/dismiss"
    )

    assert response.status_code == 404
    assert response.content_type.startswith("text/html")
