"""Where the owner's sign-in leads: a next with a control character is refused like any bad one."""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from .conftest import PASSWORD, PRIMARY, csrf, sign_in

# Each sent verbatim in the query string. CR LF (a header injection), LF and TAB pass the
# edge, which keeps them for text written on several lines: next refuses them itself.
CONTROLS = ["%0D%0ASet-Cookie:%20x=1", "%0Ax", "%0D", "%09"]
# NUL, DEL and NEL the edge refuses in every query parameter (docs/input.md).
AT_THE_EDGE = ["%00", "%7F", "%C2%85"]


@pytest.mark.parametrize("control", CONTROLS)
def test_a_signed_in_owner_with_a_control_character_in_next_lands_on_billing(
    primary: FlaskClient, control: str
) -> None:
    answer = primary.get(f"/admin/acme/login?next=/admin/acme/members{control}")

    assert answer.status_code == 302, answer.text
    assert answer.location == "/admin/acme/billing"
    assert "Set-Cookie: x" not in str(answer.headers)


@pytest.mark.parametrize("control", CONTROLS)
def test_signing_in_with_a_control_character_in_next_lands_on_billing(
    client: FlaskClient, acme: dict[str, Any], control: str
) -> None:
    page = client.get(f"/admin/acme/login?next=/admin/acme/members{control}")

    answer = client.post(
        f"/admin/acme/login?next=/admin/acme/members{control}",
        data={"email": PRIMARY, "password": PASSWORD, "csrf_token": csrf(page.text)},
    )

    assert page.status_code == 200 and "Traceback" not in page.text
    assert answer.status_code == 302 and answer.location == "/admin/acme/billing"


def test_a_next_under_the_organizations_pages_is_still_followed(
    client: FlaskClient, acme: dict[str, Any]
) -> None:
    assert sign_in(client).status_code == 302

    answer = client.get("/admin/acme/login?next=/admin/acme/members%3Fq=ann")

    assert answer.status_code == 302 and answer.location == "/admin/acme/members?q=ann"


@pytest.mark.parametrize("control", AT_THE_EDGE)
def test_a_next_with_a_control_character_the_edge_refuses_is_a_400_page(
    primary: FlaskClient, control: str
) -> None:
    answer = primary.get(f"/admin/acme/login?next=/admin/acme/members{control}")

    assert answer.status_code == 400 and "text/html" in answer.content_type
    assert "next" in answer.text and "Traceback" not in answer.text
