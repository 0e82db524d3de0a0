"""meta.version moves exactly when what a client reads changes; bad PATCH paths are refused."""

from __future__ import annotations

from typing import Any

from .conftest import GROUP_SCHEMA, SEAT_SCHEMA, USER_SCHEMA, Scim

# Microsoft's example of an attribute of a customer's own extension schema.
ENTRA_CUSTOM = "urn:ietf:params:scim:schemas:extension:CustomExtensionName:2.0:User:CustomAttribute"


def version(scim: Scim, path: str) -> str:
    response = scim.get(path)
    assert response.headers["ETag"] == response.json["meta"]["version"]
    return str(response.json["meta"]["version"])


def test_a_patch_on_an_attribute_of_an_undeclared_schema_keeps_the_user_and_its_version(
    scim: Scim,
) -> None:
    ann = scim.create_user("ann", displayName="Ann")

    response = scim.patch(
        f"/Users/{ann['id']}", [{"op": "Add", "path": ENTRA_CUSTOM, "value": "blue"}]
    )

    assert response.status_code == 200
    assert response.headers["ETag"] == ann["meta"]["version"]
    assert scim.get(f"/Users/{ann['id']}").json == ann


def test_a_patch_path_naming_no_attribute_is_invalid_path_and_changes_nothing(
    scim: Scim,
) -> None:
    ann = scim.create_user("ann")
    paths = [
        "favoriteColor",
        "urn:ietf:params:scim:schemas:core:2.0:User:favoriteColor",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:favoriteColor",
        'emails[type eq "work"].color',
    ]

    responses = [
        scim.patch(f"/Users/{ann['id']}", [{"op": "replace", "path": path, "value": "x"}])
        for path in paths
    ]

    assert [response.status_code for response in responses] == [400] * len(paths)
    assert {response.json["scimType"] for response in responses} == {"invalidPath"}
    assert {response.content_type for response in responses} == {"application/scim+json"}
    assert scim.get(f"/Users/{ann['id']}").json == ann


def test_a_put_or_patch_that_changes_nothing_keeps_the_users_version(scim: Scim) -> None:
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "ann",
        "displayName": "Ann",
        "emails": [{"value": "ann@acme.test", "type": "work", "primary": True}],
    }
    ann = scim.post("/Users", body).json
    path = f"/Users/{ann['id']}"
    if_match = {"If-Match": ann["meta"]["version"]}

    same_patch = scim.patch(
        path, [{"op": "Replace", "path": "displayName", "value": "Ann"}], headers=if_match
    )
    same_put = scim.put(path, body, headers=if_match)
    still_active = scim.patch(path, [{"op": "replace", "path": "active", "value": "True"}])
    unknown_value = scim.patch(path, [{"op": "add", "value": {"favoriteColor": "blue"}}])

    for response in (same_patch, same_put, still_active, unknown_value):
        assert response.status_code == 200, response.json
        assert response.headers["ETag"] == ann["meta"]["version"]
    assert scim.get(path).json == ann


def test_every_change_a_client_can_read_bumps_the_users_version(scim: Scim) -> None:
    ann = scim.create_user("ann")
    path = f"/Users/{ann['id']}"

    renamed = scim.patch(path, [{"op": "replace", "path": "displayName", "value": "Ann"}])
    replaced = scim.put(
        path, {"schemas": [USER_SCHEMA], "userName": "ann", "displayName": "Ann", "title": "Dr"}
    )
    deactivated = scim.patch(path, [{"op": "replace", "path": "active", "value": "False"}])

    assert [r.headers["ETag"] for r in (renamed, replaced, deactivated)] == [
        'W/"2"',
        'W/"3"',
        'W/"4"',
    ]
    read = scim.get(path).json
    assert read["meta"]["version"] == 'W/"4"'
    assert (read["displayName"], read["title"], read["active"]) == ("Ann", "Dr", False)
    stale = scim.patch(
        path, [{"op": "replace", "path": "title", "value": "Prof"}], headers={"If-Match": 'W/"3"'}
    )
    assert stale.status_code == 412


def group(name: str, *member_ids: str) -> dict[str, Any]:
    return {
        "schemas": [GROUP_SCHEMA],
        "displayName": name,
        "members": [{"value": member_id} for member_id in member_ids],
    }


def test_a_group_keeps_its_version_when_nothing_changes_and_bumps_it_when_members_do(
    scim: Scim,
) -> None:
    ann, bob = (scim.create_user(name)["id"] for name in ("ann", "bob"))
    created = scim.post("/Groups", group("Engineering", ann)).json
    path = f"/Groups/{created['id']}"

    same_name = scim.patch(path, [{"op": "replace", "path": "displayName", "value": "Engineering"}])
    same_member = scim.patch(path, [{"op": "add", "path": "members", "value": [{"value": ann}]}])
    same_put = scim.put(path, group("Engineering", ann))
    foreign = scim.patch(path, [{"op": "add", "path": f"{ENTRA_CUSTOM}x", "value": "y"}])
    unchanged = scim.get(path).json
    added = scim.patch(path, [{"op": "add", "path": "members", "value": [{"value": bob}]}])

    for response in (same_name, same_member, same_put, foreign):
        assert response.status_code == 200, response.json
        assert response.headers["ETag"] == created["meta"]["version"]
    assert unchanged == created
    assert added.headers["ETag"] == 'W/"2"'
    assert version(scim, path) == 'W/"2"'


def test_a_group_patch_path_naming_no_attribute_is_invalid_path(scim: Scim) -> None:
    created = scim.post("/Groups", group("Engineering")).json

    response = scim.patch(
        f"/Groups/{created['id']}", [{"op": "replace", "path": "colour", "value": "red"}]
    )

    assert response.status_code == 400
    assert response.json["scimType"] == "invalidPath"
    assert scim.get(f"/Groups/{created['id']}").json == created


def test_only_a_patch_naming_the_seat_extension_makes_a_user_show_it(scim: Scim) -> None:
    ann = scim.create_user("ann")
    path = f"/Users/{ann['id']}"

    other = scim.patch(path, [{"op": "add", "path": "title", "value": "Dr"}])
    named = scim.patch(path, [{"op": "add", "path": SEAT_SCHEMA, "value": {}}])

    assert SEAT_SCHEMA not in other.json["schemas"]
    assert named.json[SEAT_SCHEMA] == {}
    assert SEAT_SCHEMA in scim.get(path).json["schemas"]
    assert named.headers["ETag"] == 'W/"3"'
