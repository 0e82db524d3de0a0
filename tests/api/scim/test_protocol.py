"""The SCIM protocol around the resources: auth, limits, errors, discovery."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask

from scim_gateway import create_app
from scim_gateway.db import transaction
from scim_gateway.tokens import issue_token
from seat_core import get_organization
from tests.conftest import TEST_CONFIG

from .conftest import BASE, USER_SCHEMA, Scim, make_organization, user


def assert_scim_error(response: object, status: int, scim_type: str | None = None) -> dict:
    assert response.status_code == status  # type: ignore[attr-defined]
    assert response.content_type == "application/scim+json"  # type: ignore[attr-defined]
    body = response.json  # type: ignore[attr-defined]
    assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:Error"]
    assert body["status"] == str(status)
    if scim_type is not None:
        assert body["scimType"] == scim_type
    return body


@pytest.fixture
def app(sqlite_app: Flask) -> Flask:
    """HTTP behaviour alone: SQLite is enough (the resource tests run on both databases)."""
    return sqlite_app


@pytest.fixture
def limited_app(sqlite_url: str) -> Iterator[Flask]:
    app = create_app(
        {
            **TEST_CONFIG,
            "DATABASE_URL": sqlite_url,
            "SCIM_RATE_LIMIT": "3/minute",
            "MAX_CONTENT_LENGTH": 2048,
            "SCIM_MAX_FILTER_LENGTH": 100,
            "SCIM_MAX_RESULTS": 2,
        }
    )
    yield app
    app.extensions["db"].dispose()


@pytest.fixture
def limited(limited_app: Flask) -> Scim:
    return Scim(
        limited_app, limited_app.test_client(), make_organization(limited_app, "acme", 10), "acme"
    )


def test_a_request_without_a_valid_token_is_unauthorized(scim: Scim) -> None:
    missing = scim.client.get(f"{BASE}/Users")
    wrong = scim.client.get(f"{BASE}/Users", headers={"Authorization": "Bearer nope"})

    assert_scim_error(missing, 401)
    assert_scim_error(wrong, 401)
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")


def test_an_expired_token_is_unauthorized(scim: Scim) -> None:
    with scim.app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        at = datetime.now(UTC)
        _, token = issue_token(
            session,
            organization,
            kind="scim",
            at=at - timedelta(days=2),
            expires_at=at - timedelta(days=1),
        )

    response = scim.client.get(f"{BASE}/Users", headers={"Authorization": f"Bearer {token}"})

    assert_scim_error(response, 401)


def test_a_token_over_its_rate_limit_is_told_when_to_retry(limited: Scim) -> None:
    for _ in range(3):
        assert limited.get("/Users").status_code == 200

    response = limited.get("/Users")

    assert_scim_error(response, 429)
    assert int(response.headers["Retry-After"]) >= 1


def test_a_database_that_is_down_gives_503_with_retry_after() -> None:
    app = create_app(
        {
            **TEST_CONFIG,
            "DATABASE_URL": "postgresql+psycopg://scim@127.0.0.1:1/none?connect_timeout=1",
        }
    )

    response = app.test_client().get(f"{BASE}/Users", headers={"Authorization": "Bearer x"})

    body = assert_scim_error(response, 503)
    assert response.headers["Retry-After"] == str(app.config["RETRY_AFTER_SECONDS"])
    assert "Traceback" not in body["detail"]


def test_a_body_over_the_limit_is_refused(limited: Scim) -> None:
    response = limited.post("/Users", user("ann", displayName="x" * 4000))

    assert_scim_error(response, 413)


def test_malformed_json_is_invalid_syntax(scim: Scim) -> None:
    response = scim.request(
        "POST", "/Users", data="{not json", headers={"Content-Type": "application/scim+json"}
    )

    assert_scim_error(response, 400, "invalidSyntax")


def test_a_value_of_the_wrong_type_is_invalid_value(scim: Scim) -> None:
    response = scim.post("/Users", user("ann", active="maybe"))

    assert_scim_error(response, 400, "invalidValue")


def test_unknown_endpoints_and_resources_are_404_and_wrong_methods_405(scim: Scim) -> None:
    assert_scim_error(scim.get("/Pets"), 404)
    assert_scim_error(scim.get("/Users/no-such-id"), 404)
    wrong = scim.request("DELETE", "/Users")
    assert_scim_error(wrong, 405)
    assert wrong.headers["Allow"] == "GET, POST"


def test_an_unexpected_error_is_a_500_without_its_traceback(
    scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    from scim_gateway.scim import users

    def explode(*args: object, **kwargs: object) -> None:
        raise RuntimeError("secret internals")

    monkeypatch.setattr(users, "shown_user", explode)

    body = assert_scim_error(scim.post("/Users", user("ann")), 500)

    assert "secret" not in body["detail"]
    assert "Traceback" not in body["detail"]


def test_filters_longer_than_the_limit_are_refused_before_parsing(limited: Scim) -> None:
    response = limited.get("/Users", query_string={"filter": "userName eq " + '"' + "a" * 200})

    assert_scim_error(response, 400, "invalidFilter")


def test_a_filter_on_an_unmapped_attribute_is_refused(scim: Scim) -> None:
    response = scim.get("/Users", query_string={"filter": 'title eq "boss"'})

    assert_scim_error(response, 400, "invalidFilter")


def test_count_is_capped_and_paging_parameters_must_be_integers(limited: Scim) -> None:
    for name in ("ann", "bob", "cy"):
        limited.post("/Users", user(name))
    limited.app.config["SCIM_RATE_LIMIT"] = "1000/minute"

    page = limited.get(
        "/Users", query_string={"count": "50", "startIndex": "2", "sortBy": "userName"}
    )
    bad = limited.get("/Users", query_string={"startIndex": "two"})

    assert page.json["totalResults"] == 3
    assert page.json["itemsPerPage"] == 2
    assert page.json["startIndex"] == 2
    assert [item["userName"] for item in page.json["Resources"]] == ["bob", "cy"]
    assert_scim_error(bad, 400, "invalidValue")


def test_sorting_puts_users_without_a_value_last(scim: Scim) -> None:
    scim.post("/Users", user("ann", displayName="Zed"))
    scim.post("/Users", user("bob"))
    scim.post("/Users", user("cy", displayName="amy"))

    ascending = scim.get("/Users", query_string={"sortBy": "displayName"}).json
    descending = scim.get(
        "/Users", query_string={"sortBy": "displayName", "sortOrder": "descending"}
    ).json

    assert [u["userName"] for u in ascending["Resources"]] == ["cy", "ann", "bob"]
    assert [u["userName"] for u in descending["Resources"]] == ["bob", "ann", "cy"]


def test_discovery_tells_what_is_supported(scim: Scim) -> None:
    config = scim.get("/ServiceProviderConfig").json
    types = scim.get("/ResourceTypes").json
    schemas = scim.get("/Schemas").json

    assert config["patch"]["supported"] is True
    assert config["bulk"]["supported"] is False
    assert config["changePassword"]["supported"] is False
    assert config["etag"]["supported"] is True
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert {t["name"] for t in types["Resources"]} == {"User", "Group"}
    ids = {s["id"] for s in schemas["Resources"]}
    assert USER_SCHEMA in ids
    assert "urn:ietf:params:scim:schemas:extension:seatgateway:2.0:User" in ids
    assert "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User" in ids


def test_total_results_counts_every_match_whatever_page_is_asked_for(scim: Scim) -> None:
    for name in ("ann", "bob", "cy", "dee"):
        scim.post("/Users", user(name))

    def total(**query: str) -> tuple[int, int]:
        listing = scim.get("/Users", query_string={"sortBy": "userName", **query}).json
        return listing["totalResults"], len(listing.get("Resources", []))

    assert total(count="2") == (4, 2)
    assert total(count="2", startIndex="4") == (4, 1)
    assert total(count="2", startIndex="9") == (4, 0)
    assert total(count="0") == (4, 0)
    assert total(count="10", filter='userName sw "b"') == (1, 1)
    assert total(filter='userName eq "nobody"') == (0, 0)
