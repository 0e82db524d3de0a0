"""Hostile SCIM requests get a SCIM Error, never a 5xx, and leave seats and users intact."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from hypothesis import example, given
from hypothesis import strategies as st
from werkzeug.test import TestResponse

from scim_gateway import create_app
from tests.api.scim.conftest import BASE, make_organization
from tests.conftest import TEST_CONFIG

from . import strategies as s
from .checks import bounded, check_scim_response, check_seats, describe, send


@dataclass
class Target:
    """An organization under fuzzing: what may change, and what must not."""

    app: Flask
    token: str
    user_id: str
    group_id: str
    member_ids: list[str]
    kept: dict[str, dict[str, Any]]

    def send(self, method: str, path: str, data: bytes | str | None = None) -> TestResponse:
        """Send a request with the token, and check its answer is a proper SCIM answer."""
        headers = {"Authorization": f"Bearer {self.token}"}
        if data is not None:
            headers["Content-Type"] = "application/scim+json"
        response = send(self.app.test_client(), method, BASE + path, data=data, headers=headers)
        check_scim_response(response)
        return response

    def check_untouched(self) -> None:
        """Assert seats still add up and the users made before fuzzing read back unchanged."""
        check_seats(self.app, "acme")
        for path, before in self.kept.items():
            after = self.send("GET", path)
            assert after.status_code == 200, describe(after)
            assert after.json == before


@pytest.fixture
def target(database_url: str) -> Iterator[Target]:
    """Acme with 6 seats: two users and a group to keep, a user and group to fuzz."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    token = make_organization(app, "acme", 6)
    setup = Target(app, token, "", "", [], {})

    def create(path: str, body: dict[str, Any]) -> str:
        response = setup.send("POST", path, s.encode(body))
        assert response.status_code == 201, describe(response)
        return str(response.json["id"])

    user = {"schemas": [s.USER_SCHEMA]}
    kept_users = [
        create("/Users", {**user, "userName": "kept.ann@example.com", "displayName": "Ann"}),
        create("/Users", {**user, "userName": "kept.bob@example.com", "active": False}),
    ]
    kept_group = create(
        "/Groups",
        {"schemas": [s.GROUP_SCHEMA], "displayName": "Kept", "members": [{"value": kept_users[0]}]},
    )
    setup.user_id = create("/Users", {**user, "userName": "fuzzed@example.com"})
    spare = create("/Users", {**user, "userName": "spare@example.com", "active": False})
    setup.member_ids = [setup.user_id, spare]
    setup.group_id = create("/Groups", {"schemas": [s.GROUP_SCHEMA], "displayName": "Fuzzed"})
    paths = [f"/Users/{user_id}" for user_id in kept_users] + [f"/Groups/{kept_group}"]
    setup.kept = {path: setup.send("GET", path).json for path in paths}
    yield setup
    app.extensions["db"].dispose()


USER = {"schemas": [s.USER_SCHEMA]}


def test_generated_users_are_created_or_refused_with_a_scim_error(target: Target) -> None:
    @given(body=s.user_bodies())
    @example(body={**USER, "userName": "nul\x00"})
    @example(body={**USER, "userName": "lone\ud800"})
    @example(body={**USER, "userName": "\u202eevil", "displayName": "\u2066x"})
    @example(body={**USER, "userName": "a" * 257})
    @example(body={**USER, "userName": "test.user@okta.local", "active": "False"})
    @example(body={**USER, "userName": "nest", "name": {"givenName": [[[[]]]]}})
    @bounded(60)
    def check(body: dict[str, Any]) -> None:
        target.send("POST", "/Users", s.encode(body))
        target.check_untouched()

    check()


def test_generated_user_replacements_are_applied_or_refused_with_a_scim_error(
    target: Target,
) -> None:
    @given(body=s.user_bodies())
    @bounded(50)
    def check(body: dict[str, Any]) -> None:
        target.send("PUT", f"/Users/{target.user_id}", s.encode(body))
        target.check_untouched()

    check()


def test_generated_patches_are_applied_or_refused_with_a_scim_error(target: Target) -> None:
    @given(
        body=s.patch_bodies(target.member_ids),
        collection=st.sampled_from(["Users", "Groups"]),
    )
    @bounded(80)
    def check(body: dict[str, Any], collection: str) -> None:
        resource_id = target.user_id if collection == "Users" else target.group_id
        target.send("PATCH", f"/{collection}/{resource_id}", s.encode(body))
        target.check_untouched()

    check()


def test_generated_groups_are_created_or_refused_with_a_scim_error(target: Target) -> None:
    @given(body=s.group_bodies(target.member_ids), replace=st.booleans())
    @bounded(50)
    def check(body: dict[str, Any], replace: bool) -> None:
        if replace:
            target.send("PUT", f"/Groups/{target.group_id}", s.encode(body))
        else:
            target.send("POST", "/Groups", s.encode(body))
        target.check_untouched()

    check()


def test_generated_searches_are_answered_or_refused_with_a_scim_error(target: Target) -> None:
    @given(
        body=s.search_bodies(),
        path=st.sampled_from(["/.search", "/Users/.search", "/Groups/.search"]),
    )
    @example(body={"schemas": [s.SEARCH_SCHEMA], "startIndex": 10**30}, path="/.search")
    @example(body={"schemas": [s.SEARCH_SCHEMA], "count": 10**300}, path="/Users/.search")
    @example(body={"schemas": [s.SEARCH_SCHEMA], "filter": 'userName eq "\x00"'}, path="/.search")
    @example(body={"schemas": [s.SEARCH_SCHEMA], "filter": 'title eq "\ud800"'}, path="/.search")
    @bounded(60)
    def check(body: dict[str, Any], path: str) -> None:
        target.send("POST", path, s.encode(body))

    check()
    target.check_untouched()


def test_generated_query_strings_are_answered_or_refused_with_a_scim_error(
    target: Target,
) -> None:
    @given(
        query=s.query_strings(),
        path=st.sampled_from(["/Users", "/Groups", f"/Users/{target.user_id}"]),
    )
    @example(query=f"startIndex={10**30}", path="/Users")
    @example(query=f"count={10**30}", path="/Groups")
    @example(query="filter=userName%20eq%20%22%00%22", path="/Users")
    @example(query="filter=userName%20eq%20%22%ED%A0%80%22", path="/Users")
    @example(query="filter=" + "%28" * 1000 + "userName%20pr" + "%29" * 1000, path="/Users")
    @example(query="sortBy=%00&attributes=%ED%A0%80", path="/Groups")
    @bounded(150)
    def check(query: str, path: str) -> None:
        target.send("GET", f"{path}?{query}")

    check()
    target.check_untouched()


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_malformed_json_text_gets_a_scim_error(target: Target, method: str) -> None:
    path = "/Users" if method == "POST" else f"/Users/{target.user_id}"
    start = {
        "POST": {"schemas": [s.USER_SCHEMA], "userName": "malformed"},
        "PUT": {"schemas": [s.USER_SCHEMA], "userName": "fuzzed@example.com"},
        "PATCH": {"schemas": [s.PATCH_SCHEMA], "Operations": [{"op": "replace", "value": {}}]},
    }
    # The object's JSON text without its closing brace, for members to be appended.
    prefix = s.encode(start[method])[:-1]
    failures = []

    for raw in s.malformed_texts(prefix):
        try:
            target.send(method, path, raw)
        except AssertionError as failure:
            shown = raw if len(raw) <= 160 else raw[:80] + b"..."
            failures.append(f"{shown!r} ({len(raw)} bytes): {failure}")
    target.check_untouched()

    assert failures == [], "\n".join(failures)
