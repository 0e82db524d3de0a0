"""A bare Flask app answering SCIM-shaped constants: the ceiling of the gateway's stack.

Served by the same gunicorn as the gateway, for the same requests, it reads each body and
returns a fixed User or ListResponse. What it does per request is what Flask, gunicorn and
the bench client cost at the least; the gateway's share of that ceiling is how much room
the stack leaves.
"""

from __future__ import annotations

import json

from flask import Flask, Response, request

SCIM_JSON = "application/scim+json"
USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "externalId": "ext-ceiling",
    "userName": "user000000@bench.bench.example",
    "name": {"givenName": "New", "familyName": "user000000"},
    "displayName": "user000000",
    "emails": [{"value": "user000000@bench.bench.example", "type": "work", "primary": True}],
    "active": True,
    "meta": {
        "resourceType": "User",
        "created": "2026-01-01T00:00:00Z",
        "lastModified": "2026-01-01T00:00:00Z",
        "location": "http://127.0.0.1/scim/v2/Users/2819c223-7f76-453a-919d-413861904646",
        "version": 'W/"1"',
    },
}
LIST = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 1,
    "startIndex": 1,
    "itemsPerPage": 1,
    "Resources": [USER],
}
# Encoded once: the ceiling is the stack's cost, not json.dumps'.
USER_BODY = json.dumps(USER).encode()
LIST_BODY = json.dumps(LIST).encode()

app = Flask(__name__)


@app.get("/readyz")
def ready() -> str:
    """Answer that the app is up."""
    return "ok"


@app.get("/scim/v2/Users")
def search() -> Response:
    """Return a one-user ListResponse, whatever the filter."""
    return Response(LIST_BODY, 200, content_type=SCIM_JSON)


@app.post("/scim/v2/Users")
def create() -> Response:
    """Read the body and return the same User, as if created."""
    request.get_data()
    return Response(USER_BODY, 201, content_type=SCIM_JSON)
