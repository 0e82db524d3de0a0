"""Groups over SCIM: members, Entra's removal forms, filters, isolation."""

from __future__ import annotations

import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

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


def send_raw_patch(scim: Scim, path: str, text: str) -> Any:
    """Send a PATCH body exactly as an identity provider writes it."""
    return scim.request("PATCH", path, data=text, headers={"Content-Type": "application/scim+json"})


# Microsoft's documented removal (without the aadOptscim062020 flag), verbatim but the id.
ENTRA_REMOVAL = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [{
            "op": "Remove",
            "path": "members",
            "value": [{
                    "$ref": null,
                    "value": "%s"
                }
            ]
        }
    ]
}"""

# Okta's documented removal of one member of a pushed group, verbatim but the id.
OKTA_REMOVAL = """{
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
    "Operations": [
        {
            "op": "remove",
            "path": "members[value eq \\"%s\\"]"
        }
    ]
}"""


def test_entra_removes_exactly_the_member_it_lists_with_a_null_ref(scim: Scim) -> None:
    ids = [scim.create_user(name)["id"] for name in ("ann", "bob", "cy")]
    created = scim.post("/Groups", group("Engineering", *ids)).json

    response = send_raw_patch(scim, f"/Groups/{created['id']}", ENTRA_REMOVAL % ids[1])

    assert response.status_code == 200
    assert {entry["value"] for entry in response.json["members"]} == {ids[0], ids[2]}
    assert member_ids(scim, created["id"]) == {ids[0], ids[2]}
    assert scim.get(f"/Users/{ids[1]}").json.get("groups") is None


def test_entra_removes_two_of_three_members_in_one_operation(scim: Scim) -> None:
    ids = [scim.create_user(name)["id"] for name in ("ann", "bob", "cy")]
    created = scim.post("/Groups", group("Engineering", *ids)).json
    removal = [{"$ref": None, "value": ids[0]}, {"$ref": None, "value": ids[2]}]

    response = scim.patch(
        f"/Groups/{created['id']}", [{"op": "Remove", "path": "members", "value": removal}]
    )

    assert response.status_code == 200
    assert member_ids(scim, created["id"]) == {ids[1]}


def test_okta_removes_the_member_its_path_filter_names(scim: Scim) -> None:
    ids = [scim.create_user(name)["id"] for name in ("ann", "bob")]
    created = scim.post("/Groups", group("Engineering", *ids)).json

    response = send_raw_patch(scim, f"/Groups/{created['id']}", OKTA_REMOVAL % ids[0])

    assert response.status_code == 200
    assert member_ids(scim, created["id"]) == {ids[1]}


def test_removing_someone_who_is_no_member_changes_nothing_and_keeps_the_version(
    scim: Scim,
) -> None:
    ann, bob = (scim.create_user(name)["id"] for name in ("ann", "bob"))
    created = scim.post("/Groups", group("Engineering", ann)).json

    response = send_raw_patch(scim, f"/Groups/{created['id']}", ENTRA_REMOVAL % bob)

    assert response.status_code == 200
    assert response.headers["ETag"] == created["meta"]["version"]
    assert scim.get(f"/Groups/{created['id']}").json["meta"] == created["meta"]
    assert member_ids(scim, created["id"]) == {ann}


def test_a_removal_value_with_nothing_but_nulls_is_invalid(scim: Scim) -> None:
    ann = scim.create_user("ann")["id"]
    created = scim.post("/Groups", group("Engineering", ann)).json

    response = scim.patch(
        f"/Groups/{created['id']}",
        [{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": None}]}],
    )

    assert response.status_code == 400
    assert response.json["scimType"] == "invalidValue"
    assert member_ids(scim, created["id"]) == {ann}


def test_a_user_deleted_while_it_joins_a_group_is_refused_as_unknown_not_an_error(
    scim: Scim,
) -> None:
    ann = scim.create_user("ann")["id"]
    engineering = scim.post("/Groups", group("Engineering")).json["id"]
    engine = scim.app.extensions["db"].engine
    answers: list[Any] = []

    def join() -> None:
        add = [{"op": "add", "path": "members", "value": [{"value": ann}]}]
        answers.append(scim.patch(f"/Groups/{engineering}", add))

    # The delete holds its locks, uncommitted, while the join runs into them.
    with engine.connect() as deleting:
        deleting.execute(text("DELETE FROM member WHERE id = :id"), {"id": ann})
        joining = threading.Thread(target=join)
        joining.start()
        wait_until_blocked(engine, joining)
        deleting.commit()
    joining.join(timeout=30)

    [answer] = answers
    assert answer.status_code == 400, answer.json
    assert answer.json["scimType"] == "invalidValue"
    assert member_ids(scim, engineering) == set()


def wait_until_blocked(engine: Any, thread: threading.Thread) -> None:
    """Wait until the thread waits for a lock (PostgreSQL tells; SQLite gets a moment)."""
    if engine.dialect.name != "postgresql":
        thread.join(timeout=0.3)
        return
    with engine.connect() as watching:
        for _ in range(300):
            waiting = watching.execute(
                text("SELECT count(*) FROM pg_stat_activity WHERE wait_event_type = 'Lock'")
            ).scalar()
            if waiting:
                return
            thread.join(timeout=0.02)
            watching.rollback()
    raise AssertionError("the join never waited for the delete's lock")
