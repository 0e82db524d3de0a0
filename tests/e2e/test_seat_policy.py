"""The seat policy for real: gunicorn, the operator's CLI and the IdPs' request sequences,
on SQLite and PostgreSQL.

Licensed groups are driven by Okta's and Entra's own group requests (Okta adds members
with `"op": "add", "path": "members"` and removes one with `members[value eq "id"]`;
Entra sends `Add` and `Remove` with `"$ref": null`). Reclamation runs through
`seats reclaim` with its clock set by `--on`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.conftest import TEST_CONFIG
from tests.databases import fresh_sqlite, postgres_database
from tests.support.servers import PATIENT_STARTUP, run_cli, start_gunicorn

from .test_scim_concurrency import PATCH_SCHEMA, USER_SCHEMA, in_use, seed

pytestmark = pytest.mark.xdist_group("seat-policy-e2e")

GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
SEAT_SCHEMA = "urn:ietf:params:scim:schemas:extension:seatgateway:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


@dataclass(frozen=True)
class World:
    """One gateway under gunicorn on one database, and how to reach it."""

    url: str
    base: str
    env: dict[str, str]

    def cli(self, *args: str) -> dict[str, Any]:
        outcome = run_cli([*args, "--json"], env=self.env)
        assert outcome.returncode == 0, outcome.stderr
        result: dict[str, Any] = json.loads(outcome.stdout)
        return result

    def scim(self, slug: str, seats: int) -> Scim:
        """Create an organization of that many seats; return a SCIM client for it."""
        return Scim(self.base, seed(self.url, seats=seats, slug=slug))


class Scim:
    """An identity provider's SCIM client of one organization."""

    def __init__(self, base: str, token: str) -> None:
        self.base = f"{base}/scim/v2"
        self.http = requests.Session()
        self.http.headers["Authorization"] = f"Bearer {token}"

    def send(self, method: str, path: str, **options: Any) -> requests.Response:
        return self.http.request(method, self.base + path, timeout=30, **options)

    def patch(self, path: str, *operations: dict[str, Any]) -> requests.Response:
        return self.send(
            "PATCH", path, json={"schemas": [PATCH_SCHEMA], "Operations": list(operations)}
        )

    def seat(self, user_id: str) -> dict[str, Any]:
        """Return the user's seat extension, as the IdP reads it."""
        response = self.send("GET", f"/Users/{user_id}", params={"attributes": SEAT_SCHEMA})
        assert response.status_code == 200, response.text
        seat: dict[str, Any] = response.json()[SEAT_SCHEMA]
        return seat

    def holders(self, ids: dict[str, str]) -> list[str]:
        """Return the names of the users whose seat extension says they hold one."""
        return sorted(name for name, user_id in ids.items() if self.seat(user_id)["holdsSeat"])


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest,
    sqlite_template: Path,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[World]:
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("policy"))
        else:
            url = stack.enter_context(postgres_database())
        env = {
            "SCIM_GATEWAY_DATABASE_URL": url,
            "SCIM_GATEWAY_SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
            "SCIM_GATEWAY_ENCRYPTION_KEY": TEST_CONFIG["ENCRYPTION_KEY"],
        }
        base = stack.enter_context(start_gunicorn(env, workers=2, startup_timeout=PATIENT_STARTUP))
        yield World(url, base, env)


def licensed(world: World, slug: str) -> None:
    policy = world.cli("seats", "policy", "--org", slug, "--licensed-group", "Engineering")
    assert policy["licensed_groups"] == ["Engineering"]


def test_okta_pushes_a_licensed_group_and_seats_follow_it(world: World) -> None:
    okta = world.scim("okta", seats=2)
    licensed(world, "okta")
    ids: dict[str, str] = {}
    created = []
    for name in ("ann", "bob", "cy"):
        response = okta.send(
            "POST",
            "/Users",
            json={
                "schemas": [USER_SCHEMA],
                "userName": f"{name}@okta.local",
                "name": {"givenName": name.title(), "familyName": "Okta"},
                "emails": [{"primary": True, "value": f"{name}@okta.local", "type": "work"}],
                "displayName": f"{name.title()} Okta",
                "externalId": f"00u{name}",
                "groups": [],
                "active": True,
            },
        )
        created.append(response.status_code)
        ids[name] = response.json()["id"]
    # Three active users on two seats: outside the licensed group none holds one, and no
    # create is refused.
    after_creates = in_use(world.url, "okta"), okta.holders(ids)
    group = okta.send(
        "POST",
        "/Groups",
        json={"schemas": [GROUP_SCHEMA], "displayName": "Engineering", "members": []},
    )
    group_id = group.json()["id"]
    added = okta.patch(
        f"/Groups/{group_id}",
        {
            "op": "add",
            "path": "members",
            "value": [
                {"value": ids[n], "display": f"{n}@okta.local"} for n in ("ann", "bob", "cy")
            ],
        },
    )
    after_join = in_use(world.url, "okta"), okta.holders(ids)
    listed = okta.send("GET", f"/Groups/{group_id}").json()["members"]
    removed = okta.patch(
        f"/Groups/{group_id}", {"op": "remove", "path": f'members[value eq "{ids["ann"]}"]'}
    )
    after_leave = in_use(world.url, "okta"), okta.holders(ids)
    deactivated = okta.patch(f"/Users/{ids['bob']}", {"op": "replace", "value": {"active": False}})

    assert created == [201, 201, 201]
    # (seats in use, active members, pending seat requests), then who holds a seat.
    assert after_creates == ((0, 3, 0), [])
    assert group.status_code == 201
    assert added.status_code == 200
    # The IdP's view of the group stays true; cy waits for a seat.
    assert sorted(member["value"] for member in listed) == sorted(ids.values())
    assert after_join == ((2, 3, 1), ["ann", "bob"])
    assert removed.status_code == 200
    # ann's seat went to cy, the oldest waiting, in the same request.
    assert after_leave == ((2, 3, 0), ["bob", "cy"])
    assert okta.seat(ids["ann"]) == {"holdsSeat": False}
    assert deactivated.status_code == 200
    assert in_use(world.url, "okta") == (1, 2, 0)
    assert okta.send("GET", f"/Users/{ids['ann']}").json()["active"] is True


def test_entra_creates_a_licensed_group_with_members_then_adds_and_removes(
    world: World,
) -> None:
    entra = world.scim("entra", seats=2)
    licensed(world, "entra")
    ids = {}
    for name in ("dee", "eve", "fay"):
        ids[name] = entra.send(
            "POST",
            "/Users",
            json={
                "schemas": [USER_SCHEMA, ENTERPRISE],
                "externalId": f"{name}-object-id",
                "userName": f"{name}@entra.test",
                "active": True,
                "displayName": f"{name.title()} Entra",
                "emails": [{"primary": True, "type": "work", "value": f"{name}@entra.test"}],
                "name": {"formatted": f"{name.title()} Entra", "familyName": "Entra"},
                ENTERPRISE: {"department": "R&D"},
            },
        ).json()["id"]
    group = entra.send(
        "POST",
        "/Groups",
        json={
            "schemas": [GROUP_SCHEMA],
            "externalId": "engineering-object-id",
            "displayName": "Engineering",
            "members": [{"value": ids["dee"]}],
        },
    )
    group_id = group.json()["id"]
    after_create = in_use(world.url, "entra"), entra.holders(ids)
    added = entra.patch(
        f"/Groups/{group_id}",
        {"op": "Add", "path": "members", "value": [{"value": ids["eve"]}, {"value": ids["fay"]}]},
    )
    after_add = in_use(world.url, "entra"), entra.holders(ids)
    removed = entra.patch(
        f"/Groups/{group_id}",
        {"op": "Remove", "path": "members", "value": [{"$ref": None, "value": ids["dee"]}]},
    )
    members = entra.send("GET", f"/Groups/{group_id}").json()["members"]

    assert group.status_code == 201
    assert after_create == ((1, 3, 0), ["dee"])
    assert added.status_code == 200
    assert after_add == ((2, 3, 1), ["dee", "eve"])
    assert removed.status_code == 200
    assert sorted(m["value"] for m in members) == sorted([ids["eve"], ids["fay"]])
    assert in_use(world.url, "entra") == (2, 3, 0)
    assert entra.holders(ids) == ["eve", "fay"]
    taken_at = entra.seat(ids["fay"])["seatTakenAt"]
    assert taken_at


def test_dormant_seats_are_warned_of_then_reclaimed_on_the_day_set_by_on(world: World) -> None:
    scim = world.scim("dormant", seats=3)
    policy = world.cli(
        "seats", "policy", "--org", "dormant", "--reclaim-after-days", "30",
        "--exempt-group", "Executives",
    )  # fmt: skip
    ids = {
        name: scim.send(
            "POST", "/Users", json={"schemas": [USER_SCHEMA], "userName": f"{name}@okta.local"}
        ).json()["id"]
        for name in ("gil", "hal", "ivy")
    }
    executives = scim.send(
        "POST",
        "/Groups",
        json={
            "schemas": [GROUP_SCHEMA],
            "displayName": "Executives",
            "members": [{"value": ids["ivy"]}],
        },
    )
    today = date.today()

    def reclaim(day: date) -> dict[str, Any]:
        (result,) = world.cli("seats", "reclaim", "--org", "dormant", "--on", day.isoformat())[
            "organizations"
        ]
        return result

    early = reclaim(today + timedelta(days=22))
    warned = reclaim(today + timedelta(days=23))
    warned_again = reclaim(today + timedelta(days=23))
    due = reclaim(today + timedelta(days=30))
    repeated = reclaim(today + timedelta(days=30))
    usage = world.cli("seats", "usage", "--org", "dormant")

    assert policy["reclaim_after_days"] == 30 and policy["exempt_groups"] == ["Executives"]
    assert executives.status_code == 201
    assert (early["warned"], early["reclaimed"]) == ([], [])
    reclaim_on = (today + timedelta(days=30)).isoformat()
    assert [(d["user_name"], d["reclaim_on"]) for d in warned["warned"]] == [
        ("gil@okta.local", reclaim_on),
        ("hal@okta.local", reclaim_on),
    ]
    assert warned_again["warned"] == warned_again["reclaimed"] == []
    assert sorted(d["user_name"] for d in due["reclaimed"]) == ["gil@okta.local", "hal@okta.local"]
    assert repeated["reclaimed"] == repeated["warned"] == []
    # Seats purchased never decrease; members keep their data and "active".
    assert (usage["seats_purchased"], usage["seats_in_use"]) == (3, 1)
    gil = scim.send("GET", f"/Users/{ids['gil']}").json()
    assert (gil["userName"], gil["active"]) == ("gil@okta.local", True)
    assert scim.holders(ids) == ["ivy"]
