"""The names and bodies of benchmark users, shared by the gateway's seeding and the peer's.

Free of the gateway's imports, so that the peer (`bench.peer_app`) loads none of its code.
"""

from __future__ import annotations

import json

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"


def user_name(slug: str, index: int) -> str:
    """Return the userName of the index-th seeded member."""
    return f"user{index:06d}@{slug}.bench.example"


def external_id(slug: str, index: int) -> str:
    return f"ext-{slug}-{index:06d}"


def is_active(index: int) -> bool:
    """Tell whether the index-th seeded member is active: nine in ten are."""
    return index % 10 != 9


def user_body(name: str, external: str, *, active: bool) -> bytes:
    """Return the body of a POST /Users as an identity provider sends it."""
    return json.dumps(
        {
            "schemas": [USER_SCHEMA],
            "userName": name,
            "externalId": external,
            "name": {"givenName": "New", "familyName": name.partition("@")[0]},
            "displayName": name.partition("@")[0],
            "emails": [{"value": name, "type": "work", "primary": True}],
            "active": active,
        }
    ).encode()
