"""Pages refuse refused characters in URLs and forms with a plain HTML 400, on both databases."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


def assert_html_error(response: object, status: int, says: str) -> None:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.content_type.startswith("text/html")  # type: ignore[attr-defined]
    assert says in response.get_data(as_text=True)  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "path",
    [
        "/sso/acme/callback?state=a%00b&code=c",
        "/sso/acme/callback?state=s&error=x&error_description=%C2%85",
        "/sso/ac%01me/login",
        "/admin/acme/members?q=%1b",
    ],
    ids=["nul-state", "c1-description", "control-org", "escape-in-search"],
)
def test_a_refused_character_in_a_page_url_gets_a_clear_html_400(
    client: FlaskClient, path: str
) -> None:
    response = client.get(path)

    assert_html_error(response, 400, "which is not accepted")


def test_a_refused_character_in_a_form_field_gets_a_clear_html_400(client: FlaskClient) -> None:
    response = client.post("/admin/acme/login", data={"email": "ann\x00@acme.test"})

    assert_html_error(response, 400, "The form field email contains the character U+0000")


def test_a_form_field_name_with_a_control_is_refused_without_echoing_it(
    client: FlaskClient,
) -> None:
    response = client.post("/admin/acme/login", data={"em\x07ail": "ann@acme.test"})

    assert_html_error(response, 400, "A form field name contains the character U+0007")


def test_a_page_url_that_is_not_utf8_gets_a_clear_html_400(client: FlaskClient) -> None:
    response = client.get("/sso/acme/login?next=%ff")

    assert_html_error(response, 400, "not percent-encoded UTF-8")


def test_an_over_long_page_url_gets_a_clear_html_414(client: FlaskClient) -> None:
    response = client.get("/admin/acme/members?q=" + "a" * 8100)

    assert_html_error(response, 414, "at most 8000")


def test_tabs_and_line_breaks_in_a_form_are_let_through(client: FlaskClient) -> None:
    response = client.post("/admin/acme/login", data={"email": "ann@acme.test\r\n\t"})

    assert "which is not accepted" not in response.get_data(as_text=True)
