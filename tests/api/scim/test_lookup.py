"""userName and externalId lookups answered by the shortcut equal the general search's."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from sqlalchemy import make_url
from sqlalchemy.dialects.sqlite import dialect as sqlite_dialect

from scim_gateway.scim import lookup as shortcut
from scim_gateway.scim import users

from .conftest import GROUP_SCHEMA, SEAT_SCHEMA, Scim

# (query string, whether the shortcut answers it)
QUERIES: list[tuple[dict[str, str], bool]] = [
    ({"filter": 'userName eq "isaac.brock@okta.local"'}, True),
    ({"filter": 'userName eq "ISAAC.BROCK@OKTA.LOCAL"'}, True),
    ({"filter": 'username EQ "éva"'}, True),
    # Fullwidth ANN: equal to ann once NFKC-normalized and case-folded.
    ({"filter": 'userName eq "\uff21\uff2e\uff2e"'}, True),
    ({"filter": 'userName eq "nobody"'}, True),
    ({"filter": 'externalId eq "00ujl29u0le5T6Aj10h7"'}, True),
    ({"filter": 'externalId eq "00UJL29U0LE5T6AJ10H7"'}, True),
    # Two users share it: the total is counted the general way.
    ({"filter": 'externalId eq "E-1"'}, False),
    ({"filter": 'externalId eq "E-1"', "count": "1"}, False),
    ({"filter": 'userName eq "isaac.brock@okta.local"', "startIndex": "1", "count": "100"}, True),
    ({"filter": 'userName eq "isaac.brock@okta.local"', "count": "0"}, False),
    ({"filter": 'userName eq "isaac.brock@okta.local"', "startIndex": "2"}, False),
    ({"filter": 'userName eq "isaac.brock@okta.local"', "attributes": "userName"}, False),
    ({"filter": 'userName eq "isaac.brock@okta.local"', "excludedAttributes": "groups"}, False),
    ({"filter": 'userName eq "isaac.brock\\u0040okta.local"'}, False),
    ({"filter": 'userName eq "isaac.brock@okta.local" or userName eq "bob"'}, False),
]

# Plain pages of the four users below, in creation order: (query string, shortcut or not).
PAGES: list[tuple[dict[str, str], bool]] = [
    ({}, True),
    ({"startIndex": "1", "count": "2"}, True),  # a full page: the total is counted
    ({"startIndex": "2", "count": "2"}, True),
    ({"startIndex": "4", "count": "2"}, True),  # a short page: the total follows from it
    ({"startIndex": "9"}, True),  # past the end: counted
    ({"startIndex": "01", "count": "3"}, True),
    ({"count": "1000000"}, True),  # clamped to SCIM_MAX_RESULTS
    ({"count": "0"}, False),
    ({"startIndex": "0"}, False),
    ({"startIndex": "-1"}, False),
    ({"startIndex": "-0"}, False),
    ({"count": "2", "sortBy": "userName"}, False),
    ({"attributes": "userName"}, False),
    ({"excludedAttributes": "groups"}, False),
]


@pytest.fixture
def people(scim: Scim) -> Scim:
    """Users with groups, a seat extension written, an inactive one, a shared externalId."""
    isaac = scim.create_user(
        "isaac.brock@okta.local",
        externalId="00ujl29u0le5T6Aj10h7",
        name={"givenName": "Isaac", "familyName": "Brock"},
        emails=[{"value": "isaac.brock@okta.local", "type": "work", "primary": True}],
        schemas=[
            "urn:ietf:params:scim:schemas:core:2.0:User",
            SEAT_SCHEMA,
        ],
    )
    scim.create_user("Éva", active=False, displayName="Éva Nagy")
    scim.create_user("ann", externalId="E-1")
    scim.create_user("bob", externalId="E-1")
    for name in ("Sales", "Engineering"):
        body = {"schemas": [GROUP_SCHEMA], "displayName": name, "members": [{"value": isaac["id"]}]}
        assert scim.post("/Groups", body).status_code == 201
    return scim


def answers(scim: Scim, query: dict[str, str]) -> tuple[int, Any]:
    response = scim.get("/Users", query_string=query)
    return response.status_code, response.json


@pytest.mark.parametrize(("query", "short"), QUERIES)
def test_a_lookup_reads_as_the_general_search_reads_it(
    people: Scim, monkeypatch: pytest.MonkeyPatch, query: dict[str, str], short: bool
) -> None:
    taken: list[bool] = []
    lookup = shortcut.lookup

    def spy(*args: Any) -> Any:
        found = lookup(*args)
        taken.append(found is not None)
        return found

    monkeypatch.setattr(users, "lookup", spy)
    fast = answers(people, query)
    monkeypatch.setattr(users.Users, "lookup", lambda self: None)
    general = answers(people, query)
    assert fast == general
    assert fast[0] == 200
    assert taken == [short]


@pytest.mark.parametrize(("query", "short"), PAGES)
def test_a_plain_page_reads_as_the_general_search_reads_it(
    people: Scim, monkeypatch: pytest.MonkeyPatch, query: dict[str, str], short: bool
) -> None:
    test_a_lookup_reads_as_the_general_search_reads_it(people, monkeypatch, query, short)


def test_a_page_shows_each_users_groups_and_the_total(people: Scim) -> None:
    status, body = answers(people, {"startIndex": "1", "count": "2"})
    assert status == 200
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (4, 1, 2)
    isaac, eva = body["Resources"]
    assert (isaac["userName"], eva["userName"]) == ("isaac.brock@okta.local", "Éva")
    assert [group["display"] for group in isaac["groups"]] == ["Engineering", "Sales"]
    assert "groups" not in eva and eva["active"] is False


def test_a_lookup_finds_a_user_with_its_groups_in_order(people: Scim) -> None:
    status, body = answers(people, {"filter": 'userName eq "ISAAC.BROCK@okta.local"'})
    assert status == 200
    assert body["totalResults"] == 1
    (found,) = body["Resources"]
    assert found["userName"] == "isaac.brock@okta.local"
    assert [group["display"] for group in found["groups"]] == ["Engineering", "Sales"]
    assert SEAT_SCHEMA not in found


def test_a_lookup_sees_a_change_at_once(people: Scim) -> None:
    query = {"filter": 'userName eq "ann"'}
    (ann,) = answers(people, query)[1]["Resources"]
    patch = [{"op": "replace", "path": "active", "value": False}]
    assert people.patch(f"/Users/{ann['id']}", patch).status_code == 200
    (after,) = answers(people, query)[1]["Resources"]
    assert after["active"] is False
    assert after["meta"]["version"] != ann["meta"]["version"]
    assert people.delete(f"/Users/{ann['id']}").status_code == 204
    assert answers(people, query)[1]["totalResults"] == 0


def test_another_organizations_user_is_not_found(
    people: Scim, make_scim: Callable[..., Scim], app: Flask
) -> None:
    other = make_scim("globex")
    body = answers(other, {"filter": 'userName eq "ann"'})[1]
    assert body["totalResults"] == 0
    assert body["Resources"] == []


def test_the_page_count_reads_the_narrow_index_on_sqlite(sqlite_url: str) -> None:
    compiled = shortcut.COUNT.compiled(sqlite_dialect())
    with sqlite3.connect(make_url(sqlite_url).database) as connection:
        plan = connection.execute(f"EXPLAIN QUERY PLAN {compiled.sql}", [1]).fetchall()
    assert [row[3] for row in plan] == [
        f"SEARCH member USING COVERING INDEX {shortcut.COUNT_INDEX} (organization_id=?)"
    ]
