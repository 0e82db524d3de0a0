"""Emails: one syntax-only rule for every channel, and stored users always readable."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from flask import Flask

from scim_gateway.db import transaction
from scim_gateway.tokens import issue_token
from seat_core import Identity, Policy, get_organization, trusted_email

from .conftest import USER_SCHEMA, Scim, user

# Okta's documented "Create the User" request, verbatim.
OKTA_CREATE = """{
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "test.user@okta.local",
    "name": {
        "givenName": "Test",
        "familyName": "User"
    },
    "emails": [{
        "primary": true,
        "value": "test.user@okta.local",
        "type": "work"
    }],
    "displayName": "Test User",
    "locale": "en-US",
    "externalId": "00ujl29u0le5T6Aj10h7",
    "groups": [],
    "password": "1mz050nq",
    "active": true
}"""


def assert_invalid_value(response: Any) -> None:
    assert response.status_code == 400, response.json
    assert response.content_type == "application/scim+json"
    assert response.json["scimType"] == "invalidValue"


def test_okta_creates_a_user_at_okta_local_and_reads_it_back(scim: Scim) -> None:
    response = scim.request(
        "POST", "/Users", data=OKTA_CREATE, headers={"Content-Type": "application/scim+json"}
    )

    assert response.status_code == 201, response.json
    read = scim.get(f"/Users/{response.json['id']}").json
    assert read["userName"] == "test.user@okta.local"
    assert read["emails"] == [{"primary": True, "value": "test.user@okta.local", "type": "work"}]
    listed = scim.get("/Users", query_string={"filter": 'emails.value eq "TEST.user@okta.local"'})
    assert [found["id"] for found in listed.json["Resources"]] == [response.json["id"]]


def test_addresses_in_directories_own_domains_are_kept_by_post_put_and_patch(scim: Scim) -> None:
    jdoe = scim.create_user("jdoe", emails=[{"value": "jdoe@corp.local", "primary": True}])
    path = f"/Users/{jdoe['id']}"

    put = scim.put(path, user("jdoe", emails=[{"value": "ann@acme.test", "type": "work"}]))
    patch = scim.patch(
        path, [{"op": "Add", "path": 'emails[type eq "home"].value', "value": "jd@home.lan"}]
    )

    assert (put.status_code, patch.status_code) == (200, 200)
    assert {email["value"] for email in scim.get(path).json["emails"]} == {
        "ann@acme.test",
        "jd@home.lan",
    }


def test_not_an_email_is_invalid_value_on_every_scim_path(scim: Scim) -> None:
    ann = scim.create_user("ann", emails=[{"value": "ann@acme.test", "type": "work"}])
    path = f"/Users/{ann['id']}"
    bad = [{"value": "ann@acme.test", "primary": True}, {"value": "not-an-email"}]

    responses = [
        scim.post("/Users", user("bob", emails=[{"value": "not-an-email"}])),
        scim.post("/Users", user("cy", emails=bad)),
        scim.put(path, user("ann", emails=[{"value": "not-an-email"}])),
        scim.patch(path, [{"op": "replace", "path": "emails", "value": [{"value": "a@"}]}]),
        scim.patch(
            path,
            [{"op": "replace", "path": 'emails[type eq "work"].value', "value": "not-an-email"}],
        ),
        scim.patch(path, [{"op": "add", "value": {"emails": [{"value": "@acme.test"}]}}]),
    ]

    for response in responses:
        assert_invalid_value(response)
    assert scim.get(path).json == ann
    assert scim.get("/Users").json["totalResults"] == 1


def test_a_member_an_sso_sign_in_created_at_corp_local_is_listed_over_scim(
    app: Flask, scim: Scim
) -> None:
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        _, api_token = issue_token(session, get_organization(session, scim.slug), kind="api", at=at)
    sign_in = {"issuer": "https://idp.corp.local", "sub": "dan", "email": "dan@corp.local"}

    signed_in = app.test_client().post(
        f"/api/v1/orgs/{scim.slug}/sign-ins",
        data=json.dumps(sign_in),
        headers={"Authorization": f"Bearer {api_token}", "Content-Type": "application/json"},
    )
    listed = scim.get("/Users")

    assert signed_in.status_code == 200, signed_in.json
    assert listed.status_code == 200, listed.json
    [dan] = listed.json["Resources"]
    assert dan["emails"] == [{"value": "dan@corp.local", "primary": True}]
    assert scim.get(f"/Users/{dan['id']}").status_code == 200
    # Filters see the same email the User shows, though no SCIM body ever carried it.
    for query in ('emails.value eq "DAN@corp.local"', 'emails[primary eq true].value co "corp"'):
        found = scim.get("/Users", query_string={"filter": query}).json
        assert [user["id"] for user in found["Resources"]] == [dan["id"]], query


def test_the_sso_gate_reads_addresses_by_the_same_rule_as_scim() -> None:
    policy = Policy(domains=frozenset({"corp.local"}))

    def problem(email: str) -> str | None:
        _, refused = trusted_email(Identity("https://idp", "sub", email=email), policy)
        return refused[0] if refused else None

    assert problem("dan@corp.local") is None
    assert problem("not-an-email") == "no_email"
    assert problem("dan@@corp.local") == "no_email"


def test_a_user_with_a_schema_listed_without_values_reads_back_as_written(scim: Scim) -> None:
    body = user("ann", emails=[{"value": "ann@corp.local"}])
    body["schemas"] = [USER_SCHEMA]

    created = scim.post("/Users", body)

    assert created.status_code == 201
    assert scim.get(f"/Users/{created.json['id']}").json["schemas"] == [USER_SCHEMA]
