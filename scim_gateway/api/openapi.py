"""The OpenAPI 3.1 document of the owners' API, served at /api/v1/openapi.json."""

from __future__ import annotations

import copy
from typing import Any

from flask import current_app, jsonify

from . import bp
from .openapi_parts import (
    AUTH_ERRORS,
    EVENT_PAGING,
    INPUT_ERRORS,
    ORG,
    PAGING,
    TEXT,
    json_response,
    problem,
    ref,
    schemas,
)
from .seats import KEY_HEADER_PATTERN

SEATS_BODY = {
    "required": True,
    "content": {"application/json": {"schema": ref("SeatsRequest")}},
}
BAD_BODY = problem('The body is not a JSON object with only "seats".')
QUOTE = "/orgs/{org}/seats/quote"

HEAD: dict[str, Any] = {
    "openapi": "3.1.0",
    "info": {
        "title": "SCIM Seat Gateway owners' API",
        "version": "1.0.0",
        "description": "Seats, quotes, purchases, invoices, seat requests and events of an "
        "organization, for its owners. Authenticate with an owner's API token "
        "(`scim-gateway owner token`). Only a Primary Owner can buy seats.",
    },
    "servers": [{"url": "/api/v1"}],
    "security": [{"bearer": []}],
}

# Every operation of the API, with its own answers; INPUT_ERRORS are added to each.
PATHS: dict[str, dict[str, Any]] = {
    "/orgs/{org}/seats": {
        "get": {
            "operationId": "getSeats",
            "summary": "Seats purchased, in use and free; the term and the renewal.",
            "parameters": [ORG],
            "responses": {"200": json_response("The seats.", ref("Seats")), **AUTH_ERRORS},
        }
    },
    "/orgs/{org}/seats/quote": {
        "post": {
            "operationId": "quoteSeats",
            "summary": "Quote adding seats today (prorated to the end of the term).",
            "parameters": [ORG],
            "requestBody": SEATS_BODY,
            "responses": {
                "200": json_response("The quote.", ref("Quote")),
                "400": BAD_BODY,
                **AUTH_ERRORS,
                "409": problem("The contract has expired: renew it first."),
                "422": None,  # document() says the app's limit
            },
        }
    },
    "/orgs/{org}/seats/purchases": {
        "post": {
            "operationId": "buySeats",
            "summary": "Buy seats; the prorated invoice is issued at once.",
            "description": "Requires an Idempotency-Key (IETF draft): the same key "
            "and body replay the first invoice (with `Idempotent-Replayed: true`), "
            "the same key with another body is refused with 422, a key whose first "
            "request is still in flight gets 409.",
            "parameters": [
                ORG,
                {
                    "name": "Idempotency-Key",
                    "in": "header",
                    "required": True,
                    "schema": {
                        "type": "string",
                        "pattern": KEY_HEADER_PATTERN,
                    },
                },
            ],
            "requestBody": SEATS_BODY,
            "responses": {
                "201": json_response(
                    "The invoice (first purchase or replay).",
                    ref("Invoice"),
                    headers={
                        "Location": {"schema": {"type": "string"}},
                        "Idempotent-Replayed": {"schema": {"enum": ["true"]}},
                    },
                ),
                "400": problem("Missing or malformed Idempotency-Key, or bad body."),
                **AUTH_ERRORS,
                "409": problem("The key's first request is in flight, or the contract expired."),
                "422": problem("The key was used with another body, or seats is out of range."),
            },
        }
    },
    "/orgs/{org}/invoices": {
        "get": {
            "operationId": "listInvoices",
            "summary": "Invoices, newest first.",
            "parameters": [ORG, *PAGING],
            "responses": {
                "200": json_response("A page of invoices.", ref("InvoiceList")),
                "400": problem("Bad paging parameters."),
                **AUTH_ERRORS,
            },
        }
    },
    "/orgs/{org}/invoices/{number}": {
        "get": {
            "operationId": "getInvoice",
            "summary": "One invoice.",
            "parameters": [
                ORG,
                {
                    "name": "number",
                    "in": "path",
                    "required": True,
                    "schema": TEXT,
                },
            ],
            "responses": {
                "200": json_response("The invoice.", ref("Invoice")),
                **AUTH_ERRORS,
            },
        }
    },
    "/orgs/{org}/seat-policy": {
        "get": {
            "operationId": "getSeatPolicy",
            "summary": "The seat policy: licensed groups, reclamation, exempt groups.",
            "parameters": [ORG],
            "responses": {
                "200": json_response("The seat policy.", ref("SeatPolicy")),
                **AUTH_ERRORS,
            },
        },
        "put": {
            "operationId": "putSeatPolicy",
            "summary": "Replace the seat policy (Primary Owner).",
            "description": "Every field is required: [] or null turns a part off. "
            "Changing the licensed groups gives and takes seats at once; a change "
            "that would release seats needs confirm_releases.",
            "parameters": [ORG],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("SeatPolicyChange")}},
            },
            "responses": {
                "200": json_response("The seat policy now.", ref("SeatPolicy")),
                "400": problem("The body is not a JSON object with only the fields."),
                **AUTH_ERRORS,
                "409": problem(
                    "The new licensed groups would release seats and confirm_releases "
                    "is not true: seats_to_release says how many, members names the "
                    "first few."
                ),
                "422": problem(
                    "A field is missing, a group name is invalid, or the days are out of range."
                ),
            },
        },
    },
    "/orgs/{org}/events": {
        "get": {
            "operationId": "listEvents",
            "summary": "The organization's events, oldest first, after a cursor.",
            "description": "Poll with the previous page's next_cursor: every event "
            "comes exactly once, in the order its transaction committed, even while "
            "events are being written. An empty page keeps the cursor.",
            "parameters": [ORG, *EVENT_PAGING],
            "responses": {
                "200": json_response("A page of events.", ref("EventList")),
                "400": problem("Bad cursor, limit or event type."),
                **AUTH_ERRORS,
            },
        }
    },
    "/orgs/{org}/sign-ins": {
        "post": {
            "operationId": "signIn",
            "summary": "Let a person in through the seat gate (for products with own SSO).",
            "description": "The same gate as SSO sign-in: a member holding a seat gets "
            "in; one without, or a new person when JIT is on, takes a free seat. Any "
            "API token of the organization may call it (docs/sso.md).",
            "parameters": [ORG],
            "requestBody": {
                "required": True,
                "content": {"application/json": {"schema": ref("SignInRequest")}},
            },
            "responses": {
                "200": json_response("The member, who holds a seat.", ref("SignIn")),
                "400": problem("The body is not a JSON object with issuer and sub."),
                "401": AUTH_ERRORS["401"],
                "403": problem(
                    "Refused: `reason` says why (no_seat, contract_expired, "
                    "jit_disabled, deactivated_by_idp, …) and `seat_request_id` names the "
                    "request recorded."
                ),
                "404": AUTH_ERRORS["404"],
            },
        }
    },
    "/orgs/{org}/seat-requests": {
        "get": {
            "operationId": "listSeatRequests",
            "summary": "People refused for want of a seat, newest first.",
            "parameters": [
                ORG,
                {
                    "name": "status",
                    "in": "query",
                    "required": False,
                    "schema": {
                        "enum": ["pending", "admitted", "dismissed"],
                        "default": "pending",
                    },
                },
                *PAGING,
            ],
            "responses": {
                "200": json_response("A page of seat requests.", ref("SeatRequestList")),
                "400": problem("Bad status or paging parameters."),
                **AUTH_ERRORS,
            },
        }
    },
    "/orgs/{org}/tokens": {
        "get": {
            "operationId": "listTokens",
            "summary": "The organization's SCIM and API tokens: state, expiry, last use.",
            "parameters": [ORG],
            "responses": {
                "200": json_response("Every token, oldest first.", ref("TokenList")),
                "400": problem("A query parameter was given."),
                **AUTH_ERRORS,
            },
        }
    },
}


def document(max_seats: int) -> dict[str, Any]:
    """Build the document; the purchase limit is the app's configured one."""
    paths = copy.deepcopy(PATHS)
    paths[QUOTE]["post"]["responses"]["422"] = problem(
        f"seats is not a whole number from 1 to {max_seats}."
    )
    for path in paths.values():
        for operation in path.values():
            for status, response in INPUT_ERRORS.items():
                operation["responses"].setdefault(status, response)
    return {
        **HEAD,
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": schemas(max_seats),
        },
    }


@bp.get("/openapi.json")
def openapi() -> Any:
    """Serve the OpenAPI document."""
    return jsonify(document(int(current_app.config["MAX_SEATS_PER_PURCHASE"])))
