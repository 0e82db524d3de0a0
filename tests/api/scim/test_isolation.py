"""One organization's token reaches none of another's users and groups, by any route."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from .conftest import GROUP_SCHEMA, Scim, user

SEARCH = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


def group(name: str, *member_ids: str) -> dict[str, Any]:
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": member_id} for member_id in member_ids],
    }


@pytest.fixture
def tenants(make_scim: Callable[..., Scim]) -> tuple[Scim, Scim, dict[str, Any], dict[str, Any]]:
    """Acme with Ann in Engineering, and Other with a token of its own."""
    acme, other = make_scim("acme"), make_scim("other")
    ann = acme.create_user("ann", displayName="Ann")
    engineering = acme.post("/Groups", group("Engineering", ann["id"])).json
    return acme, other, acme.get(f"/Users/{ann['id']}").json, engineering


def test_another_organizations_users_and_groups_cannot_be_read_written_or_deleted(
    tenants: tuple[Scim, Scim, dict[str, Any], dict[str, Any]],
) -> None:
    acme, other, ann, engineering = tenants
    replace = [{"op": "replace", "path": "displayName", "value": "Taken"}]
    users, groups = f"/Users/{ann['id']}", f"/Groups/{engineering['id']}"

    responses = [
        other.get(users),
        other.get(groups),
        other.put(users, user("ann", displayName="Taken")),
        other.put(groups, group("Taken")),
        other.patch(users, replace),
        other.patch(groups, replace),
        other.delete(users),
        other.delete(groups),
    ]

    for response in responses:
        assert response.status_code == 404, response.json
        assert response.json["status"] == "404"
    assert acme.get(users).json == ann
    assert acme.get(groups).json == engineering


def test_another_organizations_resources_are_never_listed_or_searched(
    tenants: tuple[Scim, Scim, dict[str, Any], dict[str, Any]],
) -> None:
    _, other, ann, engineering = tenants
    by_id = {"filter": f'id eq "{ann["id"]}" or id eq "{engineering["id"]}"'}
    search = {"schemas": [SEARCH], "filter": 'userName eq "ann" or displayName eq "Engineering"'}

    answers = [
        other.get("/Users"),
        other.get("/Groups"),
        other.get("/Users", query_string=by_id),
        other.get("/Groups", query_string=by_id),
        other.get("/Groups", query_string={"filter": f'members[value eq "{ann["id"]}"]'}),
        other.post("/Users/.search", {"schemas": [SEARCH], "filter": 'userName eq "ann"'}),
        other.post("/Groups/.search", {"schemas": [SEARCH]}),
        other.post("/.search", search),
    ]

    for answer in answers:
        assert answer.status_code == 200, answer.json
        assert answer.json["totalResults"] == 0
        assert answer.json.get("Resources", []) == []


def test_another_organizations_user_cannot_join_a_group_by_post_put_or_patch(
    tenants: tuple[Scim, Scim, dict[str, Any], dict[str, Any]],
) -> None:
    acme, other, ann, _ = tenants
    own = other.post("/Groups", group("Sales")).json
    path = f"/Groups/{own['id']}"

    responses = [
        other.post("/Groups", group("Support", ann["id"])),
        other.put(path, group("Sales", ann["id"])),
        other.patch(path, [{"op": "add", "path": "members", "value": [{"value": ann["id"]}]}]),
    ]

    for response in responses:
        assert response.status_code == 400, response.json
        assert response.json["scimType"] == "invalidValue"
    assert other.get(path).json == own
    assert other.get("/Groups").json["totalResults"] == 1
    assert acme.get(f"/Users/{ann['id']}").json == ann
