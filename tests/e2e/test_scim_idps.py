"""The request sequences Okta and Microsoft Entra ID send, replayed against gunicorn."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.databases import fresh_sqlite
from tests.support.scim_check import failures
from tests.support.servers import PATIENT_STARTUP, start_gunicorn

from .test_scim_concurrency import (
    PATCH_SCHEMA,
    USER_SCHEMA,
    environment,
    in_use,
    seed,
)

pytestmark = pytest.mark.xdist_group("scim-idps")

ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


class Gateway:
    """A gateway under gunicorn with one organization of 3 seats, and its SCIM token."""

    def __init__(self, base: str, token: str, url: str) -> None:
        self.base = f"{base}/scim/v2"
        self.token = token
        self.url = url
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def send(self, method: str, path: str, **options: Any) -> requests.Response:
        return self.http.request(method, self.base + path, timeout=30, **options)

    def patch(self, path: str, *operations: dict[str, Any]) -> requests.Response:
        body = {"schemas": [PATCH_SCHEMA], "Operations": list(operations)}
        return self.send("PATCH", path, json=body)


@pytest.fixture(scope="module")
def gateway(sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Gateway]:
    url = fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("idps"))
    token = seed(url, seats=3)
    with start_gunicorn(environment(url), workers=2, startup_timeout=PATIENT_STARTUP) as base:
        yield Gateway(base, token, url)


def test_okta_provisions_updates_deactivates_and_reactivates_a_user(gateway: Gateway) -> None:
    # Okta looks the user up first, paging with startIndex=1&count=100.
    lookup = gateway.send(
        "GET",
        "/Users",
        params={"filter": 'userName eq "kim@okta.com"', "startIndex": 1, "count": 100},
    )
    created = gateway.send(
        "POST",
        "/Users",
        json={
            "schemas": [USER_SCHEMA],
            "userName": "kim@okta.com",
            "name": {"givenName": "Kim", "familyName": "Lee"},
            "emails": [{"primary": True, "value": "kim@okta.com", "type": "work"}],
            "displayName": "Kim Lee",
            "locale": "en-US",
            "externalId": "00u1okta",
            "groups": [],
            "password": "never-stored-1!",
            "active": True,
        },
    )
    user_id = created.json()["id"]
    found = gateway.send(
        "GET",
        "/Users",
        params={"filter": 'userName eq "KIM@okta.com"', "startIndex": 1, "count": 100},
    )
    profile = {**created.json(), "displayName": "Kim L.", "title": "Engineer"}
    profile.pop("meta")
    updated = gateway.send("PUT", f"/Users/{user_id}", json=profile)
    # Okta never DELETEs: it deactivates with PATCH and expects 200 with the resource.
    deactivated = gateway.patch(f"/Users/{user_id}", {"op": "replace", "value": {"active": False}})
    seats_after_deactivation = in_use(gateway.url)[0]
    reactivated = gateway.patch(f"/Users/{user_id}", {"op": "replace", "value": {"active": True}})

    assert lookup.status_code == 200
    assert lookup.json()["totalResults"] == 0
    assert created.status_code == 201
    assert "password" not in created.json()
    assert found.json()["totalResults"] == 1
    assert found.json()["startIndex"] == 1
    assert updated.status_code == 200
    assert updated.json()["title"] == "Engineer"
    assert deactivated.status_code == 200
    assert deactivated.json()["active"] is False
    assert deactivated.headers["Content-Type"].startswith("application/scim+json")
    assert seats_after_deactivation == 0
    assert reactivated.status_code == 200
    assert reactivated.json()["active"] is True


def test_okta_pushes_a_group_and_its_members(gateway: Gateway) -> None:
    user_id = gateway.send(
        "POST", "/Users", json={"schemas": [USER_SCHEMA], "userName": "lou@okta.com"}
    ).json()["id"]

    created = gateway.send(
        "POST",
        "/Groups",
        json={"schemas": [GROUP_SCHEMA], "displayName": "Okta Eng", "members": []},
    )
    group_id = created.json()["id"]
    renamed = gateway.patch(
        f"/Groups/{group_id}",
        {"op": "replace", "value": {"id": group_id, "displayName": "Okta Engineering"}},
    )
    added = gateway.patch(
        f"/Groups/{group_id}",
        {"op": "add", "path": "members", "value": [{"value": user_id, "display": "lou@okta.com"}]},
    )
    removed = gateway.patch(
        f"/Groups/{group_id}", {"op": "remove", "path": f'members[value eq "{user_id}"]'}
    )
    deleted = gateway.send("DELETE", f"/Groups/{group_id}")

    assert created.status_code == 201
    assert renamed.json()["displayName"] == "Okta Engineering"
    assert [m["value"] for m in added.json()["members"]] == [user_id]
    assert "members" not in removed.json()
    assert deleted.status_code == 204


def test_entra_provisions_updates_and_disables_a_user(gateway: Gateway) -> None:
    lookup = gateway.send("GET", "/Users", params={"filter": 'userName eq "ada@entra.com"'})
    created = gateway.send(
        "POST",
        "/Users",
        json={
            "schemas": [USER_SCHEMA, ENTERPRISE],
            "externalId": "ada",
            "userName": "ada@entra.com",
            "active": True,
            "displayName": "Ada L",
            "emails": [{"primary": True, "type": "work", "value": "ada@entra.com"}],
            "meta": {"resourceType": "User"},
            "name": {"formatted": "Ada L", "familyName": "L", "givenName": "Ada"},
            "roles": [],
            ENTERPRISE: {"employeeNumber": "42", "department": "R&D"},
        },
    )
    user_id = created.json()["id"]
    by_external_id = gateway.send("GET", "/Users", params={"filter": 'externalId eq "ada"'})
    patched = gateway.patch(
        f"/Users/{user_id}",
        {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "ada@new.com"},
        {"op": "Replace", "path": "name.familyName", "value": "Lovelace"},
        {"op": "Add", "path": f"{ENTERPRISE}:department", "value": "Math"},
    )
    by_work_email = gateway.send(
        "GET", "/Users", params={"filter": 'emails[type eq "work"].value eq "ada@new.com"'}
    )
    disabled = gateway.patch(
        f"/Users/{user_id}", {"op": "Replace", "path": "active", "value": "False"}
    )
    enabled = gateway.patch(f"/Users/{user_id}", {"op": "Replace", "value": {"active": "True"}})
    retried = gateway.send(
        "POST", "/Users", json={"schemas": [USER_SCHEMA], "userName": "Ada@Entra.com"}
    )

    assert lookup.json()["totalResults"] == 0
    assert created.status_code == 201
    assert by_external_id.json()["Resources"][0]["id"] == user_id
    assert patched.status_code == 200
    assert patched.json()["emails"][0]["value"] == "ada@new.com"
    assert patched.json()[ENTERPRISE] == {"employeeNumber": "42", "department": "Math"}
    assert by_work_email.json()["totalResults"] == 1
    assert disabled.json()["active"] is False
    assert enabled.json()["active"] is True
    assert retried.status_code == 409


def test_entra_manages_group_members_and_reads_groups_without_them(gateway: Gateway) -> None:
    ids = [
        gateway.send(
            "POST", "/Users", json={"schemas": [USER_SCHEMA], "userName": name, "active": False}
        ).json()["id"]
        for name in ("bo@entra.com", "cy@entra.com")
    ]
    created = gateway.send(
        "POST",
        "/Groups",
        json={
            "schemas": [GROUP_SCHEMA],
            "externalId": "g1",
            "displayName": "Entra Eng",
            "members": [],
        },
    )
    group_id = created.json()["id"]
    added = gateway.patch(
        f"/Groups/{group_id}",
        {"op": "Add", "path": "members", "value": [{"value": ids[0]}, {"value": ids[1]}]},
    )
    removed = gateway.patch(
        f"/Groups/{group_id}", {"op": "Remove", "path": "members", "value": [{"value": ids[0]}]}
    )
    listed = gateway.send(
        "GET",
        "/Groups",
        params={"filter": 'displayName eq "Entra Eng"', "excludedAttributes": "members"},
    )
    member = gateway.send(
        "GET", f"/Groups/{group_id}", params={"filter": f'members[value eq "{ids[1]}"]'}
    )

    assert created.status_code == 201
    assert added.status_code == 200
    assert [m["value"] for m in removed.json()["members"]] == [ids[1]]
    assert listed.json()["totalResults"] == 1
    assert "members" not in listed.json()["Resources"][0]
    assert member.status_code == 200


def test_scim2_tester_finds_no_failure_against_gunicorn(gateway: Gateway) -> None:
    # An organization of its own, so the checks see none of the other tests' users.
    token = seed(gateway.url, seats=200, slug="tester")

    ran, failed = failures(gateway.base, token)

    assert ran > 0
    assert failed == [], "\n".join(failed)
