"""The OpenAPI 3.1 document of the owners' API, served at /api/v1/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from . import bp


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }


def _json(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/json": {"schema": schema}},
        **extra,
    }


def _object(properties: dict[str, Any], *, nullable: tuple[str, ...] = ()) -> dict[str, Any]:
    return {
        "type": "object",
        "required": [name for name in properties if name not in nullable] + list(nullable),
        "properties": properties,
    }


DATE = {"type": "string", "format": "date"}
DATETIME = {"type": "string", "format": "date-time"}
COUNT = {"type": "integer", "minimum": 0}
NULLABLE_TEXT = {"type": ["string", "null"]}

AUTH_ERRORS = {
    "401": _problem("No valid API token."),
    "403": _problem("The token is not an owner's, or the owner's role does not allow this."),
    "404": _problem("No such organization for this token, or no such resource."),
}
ORG = {
    "name": "org",
    "in": "path",
    "required": True,
    "description": "The organization's slug.",
    "schema": {"type": "string", "minLength": 1},
}
PAGING = [
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 50},
    },
    {
        "name": "before",
        "in": "query",
        "required": False,
        "description": "Return items older than this id (from the previous page's next link).",
        "schema": {"type": "integer", "minimum": 1},
    },
]


def _schemas(max_seats: int) -> dict[str, Any]:
    money = _object(
        {
            "minor": {"type": "integer", "description": "Integer minor units (cents)."},
            "decimal": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
        }
    )
    months = _object(
        {
            "numerator": {"type": "integer", "minimum": 0},
            "denominator": {"type": "integer", "minimum": 1},
            "text": {"type": "string", "description": 'Mixed fraction, like "9 17/31".'},
        }
    )
    period = _object({"start": DATE, "end": DATE})
    return {
        "Problem": {
            "type": "object",
            "description": "An RFC 9457 problem.",
            "required": ["type", "title", "status", "detail"],
            "properties": {
                "type": {"type": "string"},
                "title": {"type": "string"},
                "status": {"type": "integer"},
                "detail": {"type": "string"},
            },
        },
        "Money": money,
        "Months": months,
        "Period": period,
        "SeatsRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["seats"],
            "properties": {"seats": {"type": "integer", "minimum": 1, "maximum": max_seats}},
        },
        "Seats": _object(
            {
                "organization": {"type": "string"},
                "seats_purchased": COUNT,
                "seats_in_use": COUNT,
                "seats_free": COUNT,
                "pending_requests": COUNT,
                "status": {"enum": ["active", "expired"]},
                "term": _ref("Period"),
                "price_per_seat_year": _ref("Money"),
                "auto_renew": {"type": "boolean"},
                "renewal": {
                    "oneOf": [
                        {"type": "null"},
                        _object({"on": DATE, "seats": COUNT, "amount": _ref("Money")}),
                    ]
                },
            }
        ),
        "Quote": _object(
            {
                "seats": {"type": "integer", "minimum": 1},
                "on": DATE,
                "unit_price": _ref("Money"),
                "remaining_months": _ref("Months"),
                "amount": _ref("Money"),
                "term": _ref("Period"),
                "seats_purchased_before": COUNT,
                "seats_purchased_after": COUNT,
            }
        ),
        "InvoiceLine": _object(
            {
                "description": {"type": "string"},
                "seats": {"type": "integer", "minimum": 1},
                "period": _ref("Period"),
                "remaining_months": _ref("Months"),
                "unit_price": _ref("Money"),
                "amount": _ref("Money"),
            }
        ),
        "Invoice": _object(
            {
                "number": {"type": "string"},
                "kind": {"enum": ["purchase", "renewal"]},
                "issued_on": DATE,
                "total": _ref("Money"),
                "seats_purchased_after": COUNT,
                "lines": {"type": "array", "items": _ref("InvoiceLine")},
            }
        ),
        "InvoiceList": _object(
            {
                "invoices": {"type": "array", "items": _ref("Invoice")},
                "next": NULLABLE_TEXT,
            }
        ),
        "SeatRequest": _object(
            {
                "id": {"type": "integer"},
                "channel": {"enum": ["scim", "sso", "admin"]},
                "identity": {"type": "string"},
                "display_name": NULLABLE_TEXT,
                "email": NULLABLE_TEXT,
                "member_id": NULLABLE_TEXT,
                "status": {"enum": ["pending", "admitted", "dismissed"]},
                "attempts": {"type": "integer", "minimum": 1},
                "first_attempt_at": DATETIME,
                "last_attempt_at": DATETIME,
            }
        ),
        "SeatRequestList": _object(
            {
                "seat_requests": {"type": "array", "items": _ref("SeatRequest")},
                "next": NULLABLE_TEXT,
            }
        ),
    }


def document(max_seats: int) -> dict[str, Any]:
    """Build the document; the purchase limit is the app's configured one."""
    seats_body = {
        "required": True,
        "content": {"application/json": {"schema": _ref("SeatsRequest")}},
    }
    bad_body = _problem('The body is not a JSON object with only "seats".')
    bad_seats = _problem(f"seats is not a whole number from 1 to {max_seats}.")
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SCIM Seat Gateway owners' API",
            "version": "1.0.0",
            "description": "Seats, quotes, purchases, invoices and seat requests of an "
            "organization, for its owners. Authenticate with an owner's API token "
            "(`scim-gateway owner token`). Only a Primary Owner can buy seats.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/orgs/{org}/seats": {
                "get": {
                    "operationId": "getSeats",
                    "summary": "Seats purchased, in use and free; the term and the renewal.",
                    "parameters": [ORG],
                    "responses": {"200": _json("The seats.", _ref("Seats")), **AUTH_ERRORS},
                }
            },
            "/orgs/{org}/seats/quote": {
                "post": {
                    "operationId": "quoteSeats",
                    "summary": "Quote adding seats today (prorated to the end of the term).",
                    "parameters": [ORG],
                    "requestBody": seats_body,
                    "responses": {
                        "200": _json("The quote.", _ref("Quote")),
                        "400": bad_body,
                        **AUTH_ERRORS,
                        "409": _problem("The contract has expired: renew it first."),
                        "422": bad_seats,
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
                                "pattern": r'^"?[\x20-\x21\x23-\x5b\x5d-\x7e]{1,200}"?$',
                            },
                        },
                    ],
                    "requestBody": seats_body,
                    "responses": {
                        "201": _json(
                            "The invoice (first purchase or replay).",
                            _ref("Invoice"),
                            headers={
                                "Location": {"schema": {"type": "string"}},
                                "Idempotent-Replayed": {"schema": {"enum": ["true"]}},
                            },
                        ),
                        "400": _problem("Missing or malformed Idempotency-Key, or bad body."),
                        **AUTH_ERRORS,
                        "409": _problem(
                            "The key's first request is in flight, or the contract expired."
                        ),
                        "422": _problem(
                            "The key was used with another body, or seats is out of range."
                        ),
                    },
                }
            },
            "/orgs/{org}/invoices": {
                "get": {
                    "operationId": "listInvoices",
                    "summary": "Invoices, newest first.",
                    "parameters": [ORG, *PAGING],
                    "responses": {
                        "200": _json("A page of invoices.", _ref("InvoiceList")),
                        "400": _problem("Bad paging parameters."),
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
                            "schema": {"type": "string", "minLength": 1},
                        },
                    ],
                    "responses": {"200": _json("The invoice.", _ref("Invoice")), **AUTH_ERRORS},
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
                        "200": _json("A page of seat requests.", _ref("SeatRequestList")),
                        "400": _problem("Bad status or paging parameters."),
                        **AUTH_ERRORS,
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": _schemas(max_seats),
        },
    }


@bp.get("/openapi.json")
def openapi() -> Any:
    """Serve the OpenAPI document."""
    return jsonify(document(int(current_app.config["MAX_SEATS_PER_PURCHASE"])))
