"""Writes build their response from the resource validated on entry, not from stored JSON."""

from __future__ import annotations

from typing import Any

import pytest
from scim2_models import Context

from scim_gateway.scim.resources import GroupResource, UserResource

from .conftest import Scim, user


def count_validations(monkeypatch: pytest.MonkeyPatch, model: Any) -> list[Any]:
    """Record the context of every validation of model from now on."""
    contexts: list[Any] = []
    original = model.model_validate.__func__

    def counting(cls: Any, *args: Any, **kwargs: Any) -> Any:
        contexts.append(kwargs.get("scim_ctx"))
        return original(cls, *args, **kwargs)

    monkeypatch.setattr(model, "model_validate", classmethod(counting))
    return contexts


def test_creating_a_user_validates_it_once(scim: Scim, monkeypatch: pytest.MonkeyPatch) -> None:
    validations = count_validations(monkeypatch, UserResource)

    response = scim.post("/Users", user("ann@acme.test", displayName="Ann"))

    assert response.status_code == 201
    assert response.json["displayName"] == "Ann" and response.json["meta"]["version"] == 'W/"1"'
    assert validations == [Context.RESOURCE_CREATION_REQUEST]


def test_replacing_a_user_validates_the_body_and_the_stored_user_once_each(
    scim: Scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    ann = scim.create_user("ann@acme.test")
    validations = count_validations(monkeypatch, UserResource)

    response = scim.put(f"/Users/{ann['id']}", user("ann@acme.test", displayName="Ann"))

    assert response.status_code == 200 and response.json["displayName"] == "Ann"
    assert validations == [Context.RESOURCE_REPLACEMENT_REQUEST, None]


def test_creating_a_group_validates_it_once(scim: Scim, monkeypatch: pytest.MonkeyPatch) -> None:
    ann = scim.create_user("ann@acme.test")
    validations = count_validations(monkeypatch, GroupResource)

    response = scim.post(
        "/Groups",
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"],
            "displayName": "Engineering",
            "members": [{"value": ann["id"]}],
        },
    )

    assert response.status_code == 201
    assert [member["value"] for member in response.json["members"]] == [ann["id"]]
    assert validations == [Context.RESOURCE_CREATION_REQUEST]
