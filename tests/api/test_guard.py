"""The request guard names the one query parameter it refuses, among several."""

from __future__ import annotations

from flask.testing import FlaskClient


def test_the_refused_parameter_is_named_among_several(client: FlaskClient) -> None:
    response = client.get("/sso/acme/callback?state=s&code=c&error=x&error_description=a%7fb")

    assert response.status_code == 400
    assert "error_description" in response.get_data(as_text=True)


def test_a_url_without_a_query_string_is_let_through_to_its_view(client: FlaskClient) -> None:
    assert client.get("/scim/v2/ServiceProviderConfig").status_code == 401
