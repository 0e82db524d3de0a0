"""The vendors' documented requests, verbatim, for the cases the model test draws rarely."""

from __future__ import annotations

from flask import Flask

from tests.api.scim.conftest import Scim, make_organization

from .strategies import GROUP_SCHEMA, USER_SCHEMA


def organization(app: Flask, slug: str) -> Scim:
    """Return a client holding the SCIM token of a new organization with 3 seats."""
    return Scim(app, app.test_client(), make_organization(app, slug, 3), slug)


def test_okta_creates_its_documented_test_user(app: Flask) -> None:
    scim = organization(app, "okta")

    response = scim.post(
        "/Users",
        {
            "schemas": [USER_SCHEMA],
            "userName": "test.user@okta.local",
            "name": {"givenName": "Test", "familyName": "User"},
            "emails": [{"primary": True, "value": "test.user@okta.local", "type": "work"}],
            "displayName": "Test User",
            "locale": "en-US",
            "externalId": "00ujl29u0le5T6Aj10h7",
            "groups": [],
            "password": "1mz050nq",
            "active": True,
        },
    )

    assert response.status_code == 201, response.json
    assert response.json["emails"][0]["value"] == "test.user@okta.local"


def test_entra_removes_a_member_with_its_documented_request(app: Flask) -> None:
    scim = organization(app, "entra")
    ann, bob = (scim.create_user(name)["id"] for name in ("ann", "bob"))
    group = scim.post(
        "/Groups",
        {
            "schemas": [GROUP_SCHEMA],
            "displayName": "Eng",
            "members": [{"value": ann}, {"value": bob}],
        },
    ).json

    response = scim.patch(
        f"/Groups/{group['id']}",
        [{"op": "Remove", "path": "members", "value": [{"$ref": None, "value": ann}]}],
    )

    assert response.status_code == 200
    assert [member["value"] for member in response.json["members"]] == [bob]
    assert scim.get(f"/Users/{ann}").json.get("groups", []) == []
    assert response.json["meta"]["version"] != group["meta"]["version"]
