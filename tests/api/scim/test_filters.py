"""Filters run in SQL agree with scim2-models' own in-memory evaluation."""

from __future__ import annotations

import pytest
from scim2_models import ScimFilter, User

from scim_gateway.scim.policy import POLICY
from scim_gateway.scim.resources import UserResource

from .conftest import Scim, user

PEOPLE = [
    user(
        "ann",
        displayName="Ann Lee",
        externalId="E-1",
        title="cto",
        emails=[
            {"value": "ann@acme.com", "type": "work", "primary": True},
            {"value": "ann@home.net", "type": "home"},
        ],
    ),
    user(
        "Bob",
        displayName="bob stone",
        externalId="e-2",
        active=False,
        emails=[{"value": "BOB@acme.com", "type": "work"}],
    ),
    user("cy", emails=[{"value": "cy@other.org", "type": "home", "primary": True}]),
    user("dee_dee", displayName="Dee", externalId="E-10"),
    user("Éva", displayName="Éva Nagy", active=False, emails=[{"value": "eva@acme.com"}]),
    user("fred%", displayName="50% Fred", externalId="x_1"),
]

FILTERS = [
    'userName eq "ann"',
    'userName eq "ANN"',
    'userName eq "éva"',
    'userName ne "bob"',
    'userName co "e"',
    'userName sw "d"',
    'userName ew "Y"',
    'userName co "%"',
    'userName co "_"',
    'userName gt "c"',
    'userName le "cy"',
    "userName pr",
    'externalId eq "E-1"',
    'externalId eq "e-1"',
    'externalId sw "E"',
    'externalId co "_"',
    "externalId pr",
    "not (externalId pr)",
    'displayName eq "ann lee"',
    'displayName co "STONE"',
    'displayName ne "Dee"',
    "displayName pr",
    "active eq true",
    "active eq false",
    'active eq true and userName sw "a"',
    'active eq false or displayName co "fred"',
    'not (active eq true or userName eq "cy")',
    'emails.value eq "bob@acme.com"',
    'emails co "acme"',
    'emails.type eq "home"',
    'emails.value ne "ann@acme.com"',
    "emails pr",
    "emails.primary eq true",
    'emails[type eq "work"]',
    'emails[type eq "work" and value co "ann"]',
    'emails[type eq "work"].value eq "BOB@ACME.COM"',
    'emails[not (type eq "work")]',
    'emails[primary eq true or type eq "home"]',
    'emails[value ew ".com"] and not (active eq false)',
    'meta.created gt "2000-01-01T00:00:00Z"',
    'meta.lastModified lt "2000-01-01T00:00:00Z"',
    'id pr and userName ne "zed"',
]


@pytest.fixture
def people(scim: Scim) -> list[dict]:
    for payload in PEOPLE:
        assert scim.post("/Users", payload).status_code == 201
    return scim.get("/Users", query_string={"count": "100"}).json["Resources"]


def test_filters_in_sql_match_what_scim2_models_matches(scim: Scim, people: list[dict]) -> None:
    with POLICY:
        resources = [UserResource.model_validate(person) for person in people]
        expected = {
            text: sorted(r.user_name for r in resources if ScimFilter[UserResource](text).match(r))
            for text in FILTERS
        }

    found = {}
    for text in FILTERS:
        response = scim.get("/Users", query_string={"filter": text, "count": "100"})
        assert response.status_code == 200, (text, response.json)
        assert response.json["totalResults"] == len(response.json.get("Resources", []))
        found[text] = sorted(u["userName"] for u in response.json.get("Resources", []))

    assert found == expected
    assert len({tuple(names) for names in expected.values()}) > 15, "filters tell users apart"


def test_the_same_filters_work_in_a_search_request_body(scim: Scim, people: list[dict]) -> None:
    response = scim.post(
        "/Users/.search",
        {
            "schemas": ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"],
            "filter": 'emails[type eq "work"].value eq "bob@acme.com"',
            "startIndex": 1,
            "count": 100,
        },
    )

    assert [u["userName"] for u in response.json["Resources"]] == ["Bob"]


def test_every_filter_is_bound_to_the_user_model() -> None:
    assert all(ScimFilter[User](text) for text in FILTERS)
