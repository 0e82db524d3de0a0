"""Groups over SCIM: members, Entra's removal forms, filters, isolation."""

from __future__ import annotations

from collections.abc import Callable

from .conftest import GROUP_SCHEMA, Scim


def group(name: str, *member_ids: str) -> dict:
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": member_id} for member_id in member_ids],
    }


def member_ids(scim: Scim, group_id: str) -> set[str]:
    body = scim.get(f"/Groups/{group_id}").json
    return {entry["value"] for entry in body.get("members", [])}


def test_a_group_is_created_with_its_members(scim: Scim) -> None:
    ann = scim.create_user("ann", displayName="Ann")["id"]

    response = scim.post("/Groups", group("Engineering", ann))

    assert response.status_code == 201
    assert response.json["members"] == [
        {
            "value": ann,
            "$ref": f"http://localhost/scim/v2/Users/{ann}",
            "type": "User",
            "display": "Ann",
        }
    ]
    assert scim.get(f"/Users/{ann}").json["groups"][0]["display"] == "Engineering"


def test_group_names_are_unique_per_organization(scim: Scim) -> None:
    scim.post("/Groups", group("Engineering"))

    response = scim.post("/Groups", group("engineering"))

    assert response.status_code == 409
    assert response.json["scimType"] == "uniqueness"


def test_members_are_removed_by_filtered_path_and_by_value_list(scim: Scim) -> None:
    ids = [scim.create_user(name)["id"] for name in ("ann", "bob", "cy")]
    created = scim.post("/Groups", group("Engineering", *ids)).json
    path = f"/Groups/{created['id']}"

    by_filter = scim.patch(path, [{"op": "Remove", "path": f'members[value eq "{ids[0]}"]'}])
    by_value = scim.patch(path, [{"op": "Remove", "path": "members", "value": [{"value": ids[1]}]}])

    assert by_filter.status_code == 200
    assert by_value.status_code == 200
    assert member_ids(scim, created["id"]) == {ids[2]}


def test_members_are_added_and_replaced_by_patch(scim: Scim) -> None:
    ann, bob = (scim.create_user(name)["id"] for name in ("ann", "bob"))
    created = scim.post("/Groups", group("Engineering")).json
    path = f"/Groups/{created['id']}"

    scim.patch(path, [{"op": "Add", "path": "members", "value": [{"value": ann}]}])
    added = member_ids(scim, created["id"])
    scim.patch(path, [{"op": "Replace", "path": "members", "value": [{"value": bob}]}])

    assert added == {ann}
    assert member_ids(scim, created["id"]) == {bob}


def test_a_member_must_be_a_user_of_the_organization(make_scim: Callable[..., Scim]) -> None:
    acme, other = make_scim("acme"), make_scim("other")
    stranger = other.create_user("eve")["id"]

    response = acme.post("/Groups", group("Engineering", stranger))

    assert response.status_code == 400
    assert response.json["scimType"] == "invalidValue"


def test_groups_are_found_by_name_and_member_and_read_without_members(scim: Scim) -> None:
    ann = scim.create_user("ann")["id"]
    created = scim.post("/Groups", group("Engineering", ann)).json
    scim.post("/Groups", group("Sales"))

    by_name = scim.get("/Groups", query_string={"filter": 'displayName eq "engineering"'}).json
    by_member = scim.get("/Groups", query_string={"filter": f'members[value eq "{ann}"]'}).json
    bare = scim.get(f"/Groups/{created['id']}", query_string={"excludedAttributes": "members"})

    assert [g["displayName"] for g in by_name["Resources"]] == ["Engineering"]
    assert [g["id"] for g in by_member["Resources"]] == [created["id"]]
    assert "members" not in bare.json


def test_deleting_a_user_removes_it_from_its_groups(scim: Scim) -> None:
    ann = scim.create_user("ann")["id"]
    created = scim.post("/Groups", group("Engineering", ann)).json

    scim.delete(f"/Users/{ann}")

    assert member_ids(scim, created["id"]) == set()


def test_the_root_search_finds_users_and_groups(scim: Scim) -> None:
    scim.create_user("eng-ann")
    scim.post("/Groups", group("eng"))

    response = scim.post(
        "/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'userName sw "eng" or displayName eq "eng"',
        },
    )

    assert response.status_code == 200
    assert response.json["totalResults"] == 2
