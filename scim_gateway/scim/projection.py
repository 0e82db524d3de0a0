"""Dump a User read naming no attributes straight from its row, as scim2-models would."""

# What is stored of a User (storage.stored_user) is already a dump of a validated resource.
# Validating it again, then dumping it with a response context, gives back the same
# attributes: a read spent two pydantic passes (~300 µs a user, 80 % of a page of 100) to
# learn nothing. Here the stored JSON is overlaid with the columns as
# resources.user_resource does, given its id, meta and groups, and put in the order and
# shape the dump has. tests/unit/test_projection.py compares both, byte for byte, over
# generated users. Requests naming attributes or excludedAttributes still go through
# scim2-models.

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from functools import cache
from typing import Any

from pydantic import BaseModel, TypeAdapter

from seat_core.models import Member, ScimGroup

from .resources import UserResource, etag, location, overlaid_user

# Layout of a model's dump: each attribute's name, in the order the dump writes it, with
# the model of its values when they are complex.
Layout = tuple[tuple[str, Any], ...]

_DATES = TypeAdapter(datetime)


@cache
def layout(model: Any) -> Layout:
    """Return the attributes of a scim2-models model in the order its dump writes them."""
    names = {field: alias for alias, field in model.__scim_info__.alias_to_field.items()}
    entries = []
    for field in model.model_fields:
        root = model.get_field_root_type(field)
        nested = root if isinstance(root, type) and issubclass(root, BaseModel) else None
        entries.append((names.get(field, field), nested))
    return tuple(entries)


def ordered(model: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Return data as the model's dump has it: its order, without unknown or empty values."""
    out: dict[str, Any] = {}
    for name, nested in layout(model):
        value = data.get(name)
        if value is None:
            continue
        if nested is not None:
            if isinstance(value, list):
                value = [item for item in (ordered(nested, v) for v in value) if item != {}]
            else:
                value = ordered(nested, value)
        # RFC 7643 §2.5: an empty array or complex value is no value (scim2-models drops it).
        if value == [] or value == {}:
            continue
        out[name] = value
    return out


def shown_user(
    member: Member, *, base_url: str, groups: Iterable[ScimGroup] = ()
) -> dict[str, Any]:
    """Return the User a read shows of member when the request names no attributes."""
    # The seat extension is returned on request only, so it is not shown here; the view
    # still echoes it as written (resources.echo_seat_extension).
    stored = member.scim or {}
    # The same overlay as resources.user_resource: the columns are the truth.
    data = overlaid_user(member)
    data["id"] = member.id
    data["meta"] = {
        "resourceType": "User",
        "created": _DATES.dump_python(member.created_at, mode="json"),
        "lastModified": _DATES.dump_python(member.updated_at, mode="json"),
        "location": location(base_url, "Users", member.id),
        "version": etag(member.version),
    }
    data["groups"] = [
        {
            "value": group.id,
            "$ref": location(base_url, "Groups", group.id),
            "display": group.display_name,
            "type": "direct",
        }
        for group in groups
    ]
    data["schemas"] = list(stored.get("schemas") or [str(UserResource.__schema__)])
    payload = ordered(UserResource, data)
    # The dump lists an extension's schema only when the extension shows something.
    extensions = UserResource.get_extension_models()
    schemas = payload["schemas"]
    payload["schemas"] = [urn for urn in schemas if urn not in extensions or urn in payload]
    return payload


def list_payload(start_index: int, total: int, resources: list[dict[str, Any]]) -> dict[str, Any]:
    """Return the ListResponse of a page of dumped resources (RFC 7644 §3.4.2)."""
    return {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }
