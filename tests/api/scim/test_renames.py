"""Renaming users and groups: a name another one holds is a 409, however the rename comes."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from scim_gateway.scim import views

from .conftest import GROUP_SCHEMA, USER_SCHEMA, Scim


def group(name: str) -> dict[str, Any]:
    return {"schemas": [GROUP_SCHEMA], "displayName": name}


def assert_conflict(response: Any) -> None:
    assert response.status_code == 409, response.json
    assert response.content_type == "application/scim+json"
    assert response.json["scimType"] == "uniqueness"


def names(scim: Scim, endpoint: str, attribute: str) -> list[str]:
    listed = scim.get(f"/{endpoint}?sortBy={attribute}").json
    return [resource[attribute] for resource in listed.get("Resources", [])]


def test_renaming_a_user_into_a_taken_user_name_is_a_conflict_by_patch_and_by_put(
    scim: Scim,
) -> None:
    scim.create_user("ann@acme.test")
    bob = scim.create_user("bob@acme.test")

    by_patch = scim.patch(
        f"/Users/{bob['id']}", [{"op": "replace", "path": "userName", "value": "ANN@acme.test"}]
    )
    by_put = scim.put(
        f"/Users/{bob['id']}", {"schemas": [USER_SCHEMA], "userName": "ann@acme.test"}
    )

    assert_conflict(by_patch)
    assert_conflict(by_put)
    assert names(scim, "Users", "userName") == ["ann@acme.test", "bob@acme.test"]
    assert scim.get(f"/Users/{bob['id']}").json["meta"]["version"] == bob["meta"]["version"]


def test_renaming_a_group_into_a_taken_display_name_is_a_conflict_by_patch_and_by_put(
    scim: Scim,
) -> None:
    scim.post("/Groups", group("Engineering"))
    sales = scim.post("/Groups", group("Sales")).json

    by_patch = scim.patch(
        f"/Groups/{sales['id']}",
        [{"op": "Replace", "path": "displayName", "value": "engineering"}],
    )
    by_put = scim.put(f"/Groups/{sales['id']}", group("Engineering"))

    assert_conflict(by_patch)
    assert_conflict(by_put)
    assert names(scim, "Groups", "displayName") == ["Engineering", "Sales"]


def test_a_rename_changing_only_the_case_of_its_own_name_is_no_conflict(scim: Scim) -> None:
    ann = scim.create_user("ann@acme.test")

    response = scim.patch(
        f"/Users/{ann['id']}", [{"op": "replace", "path": "userName", "value": "Ann@Acme.test"}]
    )

    assert response.status_code == 200
    assert scim.get(f"/Users/{ann['id']}").json["userName"] == "Ann@Acme.test"


def test_a_rename_the_unique_index_refuses_after_the_check_is_still_a_conflict(
    scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    # What a concurrent rename does: the check sees no clash, then the index refuses.
    monkeypatch.setattr(views, "ensure_unique", lambda *args, **kwargs: None)
    scim.create_user("ann@acme.test")
    bob = scim.create_user("bob@acme.test")
    scim.post("/Groups", group("Engineering"))
    sales = scim.post("/Groups", group("Sales")).json

    user_rename = scim.patch(
        f"/Users/{bob['id']}", [{"op": "replace", "path": "userName", "value": "ann@acme.test"}]
    )
    group_rename = scim.put(f"/Groups/{sales['id']}", group("Engineering"))
    user_create = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "ANN@acme.test"})

    assert_conflict(user_rename)
    assert_conflict(group_rename)
    assert_conflict(user_create)
    assert names(scim, "Users", "userName") == ["ann@acme.test", "bob@acme.test"]
    assert names(scim, "Groups", "displayName") == ["Engineering", "Sales"]


def rename_at_once(scim: Scim, requests: list[tuple[str, Any]]) -> list[int]:
    """Send PATCH requests from one thread each, released together; return the statuses."""
    barrier = threading.Barrier(len(requests))
    statuses: list[int] = []

    def send(path: str, operations: Any) -> None:
        client = Scim(scim.app, scim.app.test_client(), scim.token, scim.slug)
        barrier.wait()
        statuses.append(client.patch(path, operations).status_code)

    threads = [threading.Thread(target=send, args=request) for request in requests]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return sorted(statuses)


def test_two_users_renamed_to_one_name_at_once_give_one_200_and_one_409(scim: Scim) -> None:
    ids = [scim.create_user(name)["id"] for name in ("ann", "bob")]
    rename = [{"op": "replace", "path": "userName", "value": "cy"}]

    statuses = rename_at_once(scim, [(f"/Users/{user_id}", rename) for user_id in ids])

    assert statuses == [200, 409]
    listed = names(scim, "Users", "userName")
    assert listed in (["bob", "cy"], ["ann", "cy"])
    renamed = scim.get('/Users?filter=userName eq "cy"').json
    assert renamed["totalResults"] == 1
    assert scim.get(f"/Users/{renamed['Resources'][0]['id']}").json["meta"]["version"] == 'W/"2"'


def test_two_groups_renamed_to_one_name_at_once_give_one_200_and_one_409(scim: Scim) -> None:
    ids = [scim.post("/Groups", group(name)).json["id"] for name in ("Sales", "Support")]
    rename = [{"op": "replace", "path": "displayName", "value": "Revenue"}]

    statuses = rename_at_once(scim, [(f"/Groups/{group_id}", rename) for group_id in ids])

    assert statuses == [200, 409]
    assert names(scim, "Groups", "displayName") in (["Revenue", "Support"], ["Revenue", "Sales"])
