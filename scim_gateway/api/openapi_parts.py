"""The schemas and shared parts of the OpenAPI document: the shapes serialize.py returns."""

from __future__ import annotations

import copy
from typing import Any

from seat_core.events import MAX_PAGE
from seat_core.models import ACTOR_TYPES, EVENT_TYPES
from seat_core.text import REFUSED_CONTROLS


def ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": ref("Problem")}},
    }


def json_response(description: str, schema: dict[str, Any], **extra: Any) -> dict[str, Any]:
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

# Text in a path or query parameter: what the request guard lets through (docs/input.md).
TEXT = {"type": "string", "minLength": 1, "pattern": f"^[^{REFUSED_CONTROLS}]+$"}
# IdP groups named by displayName: no surrounding space, no control character.
_CONTROLS = r"\x00-\x1f\x7f-\x9f"
_NAME_CHAR = f"[^\\s{_CONTROLS}]"
GROUP_NAMES = {
    "type": "array",
    "maxItems": 100,
    "items": {
        "type": "string",
        "minLength": 1,
        "maxLength": 256,
        "pattern": f"^{_NAME_CHAR}(?:[^{_CONTROLS}]*{_NAME_CHAR})?$",
    },
}
# Every operation may answer these, before its own checks run.
INPUT_ERRORS = {
    "400": problem("Malformed input: a character, JSON body or parameter the API refuses."),
    "414": problem("The URL is longer than the gateway reads."),
}
AUTH_ERRORS = {
    "401": problem("No valid API token."),
    "403": problem("The token is not an owner's, or the owner's role does not allow this."),
    "404": problem("No such organization for this token, or no such resource."),
}
ORG = {
    "name": "org",
    "in": "path",
    "required": True,
    "description": "The organization's slug.",
    "schema": TEXT,
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
        "schema": {"type": "integer", "minimum": 1, "maximum": 2**63 - 1},
    },
]

EVENT_PAGING = [
    {
        "name": "after",
        "in": "query",
        "required": False,
        "description": "The next_cursor of the previous page; from the first event if absent.",
        "schema": {"type": "string", "pattern": "^[0-9]{1,19}-[0-9]{1,19}$"},
    },
    {
        "name": "limit",
        "in": "query",
        "required": False,
        "schema": {"type": "integer", "minimum": 1, "maximum": MAX_PAGE, "default": 100},
    },
    {
        "name": "type",
        "in": "query",
        "required": False,
        "description": "Only events of these types (repeat the parameter for several).",
        "schema": {"type": "array", "items": {"enum": list(EVENT_TYPES)}},
        "style": "form",
        "explode": True,
    },
]


MONEY = _object(
    {
        "minor": {"type": "integer", "description": "Integer minor units (cents)."},
        "decimal": {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"},
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    }
)
MONTHS = _object(
    {
        "numerator": {"type": "integer", "minimum": 0},
        "denominator": {"type": "integer", "minimum": 1},
        "text": {"type": "string", "description": 'Mixed fraction, like "9 17/31".'},
    }
)
PERIOD = _object({"start": DATE, "end": {**DATE, "description": "Exclusive: the day after."}})


# The shapes serialize.py returns; schemas() sets the purchase limit.
def _sign_in_request() -> dict[str, Any]:
    """The sign-in hook's body: who signs in, as the calling product's IdP says."""

    def text(limit: int) -> dict[str, Any]:
        # Not blank, and none of the characters every request is refused for.
        pattern = f"^[^{REFUSED_CONTROLS}]*[^\\s{REFUSED_CONTROLS}][^{REFUSED_CONTROLS}]*$"
        return {"type": "string", "minLength": 1, "maxLength": limit, "pattern": pattern}

    return {
        "type": "object",
        "additionalProperties": False,
        "required": ["issuer", "sub"],
        "properties": {
            "issuer": text(512),
            "sub": text(256),
            "email": {**text(320), "format": "email"},
            "email_verified": {"type": "boolean", "default": True},
            "name": text(256),
        },
    }


SCHEMAS: dict[str, Any] = {
    "SignInRequest": _sign_in_request(),
    "SignIn": _object(
        {
            "member": ref("SignInMember"),
            "seat": _object({"held": {"const": True}, "taken_now": {"type": "boolean"}}),
            "created": {"type": "boolean"},
        }
    ),
    "SignInMember": _object(
        {
            "id": {"type": "string"},
            "user_name": {"type": "string"},
            "active": {"type": "boolean"},
            "source": {"type": "string"},
            "display_name": NULLABLE_TEXT,
            "email": NULLABLE_TEXT,
            "sso_issuer": NULLABLE_TEXT,
            "sso_subject": NULLABLE_TEXT,
            "last_sign_in_at": {"type": ["string", "null"], "format": "date-time"},
        },
        nullable=("display_name", "email", "sso_issuer", "sso_subject", "last_sign_in_at"),
    ),
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
    "Money": MONEY,
    "Months": MONTHS,
    "Period": PERIOD,
    "SeatsRequest": {
        "type": "object",
        "additionalProperties": False,
        "required": ["seats"],
        "properties": {"seats": {"type": "integer", "minimum": 1, "maximum": None}},
    },
    "SeatPolicy": _object(
        {
            "licensed_groups": GROUP_NAMES,
            "reclaim_after_days": {
                "type": ["integer", "null"],
                "minimum": 14,
                "maximum": 3650,
                "description": "Release a seat whose holder has not signed in for this "
                "many days; null: never.",
            },
            "exempt_groups": GROUP_NAMES,
        }
    )
    | {"additionalProperties": False},
    "SeatPolicyChange": {
        "type": "object",
        "additionalProperties": False,
        "required": ["licensed_groups", "reclaim_after_days", "exempt_groups"],
        "properties": {
            "licensed_groups": GROUP_NAMES,
            "reclaim_after_days": {"type": ["integer", "null"], "minimum": 14, "maximum": 3650},
            "exempt_groups": GROUP_NAMES,
            "confirm_releases": {
                "type": "boolean",
                "description": "true: release the seats of holders in none of the new "
                "licensed groups. Without it such a change is refused with 409.",
            },
        },
    },
    "Seats": _object(
        {
            "organization": {"type": "string"},
            "seats_purchased": COUNT,
            "seats_in_use": COUNT,
            "seats_free": COUNT,
            "pending_requests": COUNT,
            "status": {"enum": ["active", "expired"]},
            "term": ref("Period"),
            "price_per_seat_year": ref("Money"),
            "auto_renew": {"type": "boolean"},
            "renewal": {
                "oneOf": [
                    {"type": "null"},
                    _object({"on": DATE, "seats": COUNT, "amount": ref("Money")}),
                ]
            },
            "forecast": ref("Forecast"),
        }
    ),
    # The same object as `scim-gateway seats usage --json` prints (docs/forecast.md).
    "Forecast": _object(
        {
            "seats_per_30_days": {"type": "number"},
            "recommended_add": COUNT,
            "recommended_amount": {"type": "string", "pattern": r"^\d+(\.\d+)?$"},
            "currency": {"type": "string"},
            "term_end": DATE,
            "basis": {
                "enum": [
                    "not_enough_history",
                    "not_growing",
                    "lasts_the_term",
                    "runs_out",
                    "contract_ended",
                ]
            },
            "history_days": COUNT,
            "runs_out_on": {"oneOf": [{"type": "null"}, DATE]},
        }
    ),
    "Quote": _object(
        {
            "seats": {"type": "integer", "minimum": 1},
            "on": DATE,
            "unit_price": ref("Money"),
            "remaining_months": ref("Months"),
            "amount": ref("Money"),
            "tax_rate_bp": {"type": "integer", "minimum": 0, "maximum": 10000},
            "tax": ref("Money"),
            "total": ref("Money"),
            "term": ref("Period"),
            "seats_purchased_before": COUNT,
            "seats_purchased_after": COUNT,
        }
    ),
    "InvoiceLine": _object(
        {
            "description": {"type": "string"},
            "seats": {"type": "integer", "minimum": 1},
            "period": ref("Period"),
            "remaining_months": ref("Months"),
            "unit_price": ref("Money"),
            "amount": ref("Money"),
        }
    ),
    "Invoice": _object(
        {
            "number": {"type": "string"},
            "kind": {"enum": ["purchase", "renewal"]},
            "issued_on": DATE,
            "total": ref("Money"),
            "seats_purchased_after": COUNT,
            "lines": {"type": "array", "items": ref("InvoiceLine")},
        }
    ),
    "InvoiceList": _object(
        {
            "invoices": {"type": "array", "items": ref("Invoice")},
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
    "Event": _object(
        {
            "id": {"type": "string"},
            "type": {"enum": list(EVENT_TYPES)},
            "occurred_at": DATETIME,
            "actor": _object(
                {
                    "type": {"enum": list(ACTOR_TYPES)},
                    "id": NULLABLE_TEXT,
                    "label": NULLABLE_TEXT,
                }
            ),
            "subject": NULLABLE_TEXT,
            "data": {"type": "object"},
        }
    ),
    "EventList": _object(
        {
            "data": {"type": "array", "items": ref("Event")},
            "next_cursor": {"type": "string"},
        }
    ),
    "Token": _object(
        {
            "id": {"type": "integer"},
            "kind": {"enum": ["scim", "api"]},
            "prefix": {"type": "string"},
            "label": NULLABLE_TEXT,
            "owner": NULLABLE_TEXT,
            "state": {"enum": ["live", "expired", "revoked"]},
            "created_at": DATETIME,
            "expires_at": {"type": ["string", "null"], "format": "date-time"},
            "revoked_at": {"type": ["string", "null"], "format": "date-time"},
            "last_used_at": {"type": ["string", "null"], "format": "date-time"},
        }
    ),
    "TokenList": _object({"tokens": {"type": "array", "items": ref("Token")}}),
    "SeatRequestList": _object(
        {
            "seat_requests": {"type": "array", "items": ref("SeatRequest")},
            "next": NULLABLE_TEXT,
        }
    ),
}


def schemas(max_seats: int) -> dict[str, Any]:
    """Return the schemas, with the app's purchase limit on a purchase's seats."""
    built = copy.deepcopy(SCHEMAS)
    built["SeatsRequest"]["properties"]["seats"]["maximum"] = max_seats
    return built
