"""The shapes the operator API reads and writes, for its OpenAPI document."""

from __future__ import annotations

from typing import Any

from seat_core.orgs import LANGUAGES, ROLES
from seat_core.text import REFUSED_CONTROLS

from .openapi_parts import COUNT, DATE, DATETIME, NULLABLE_TEXT, _object, ref
from .operator_orgs import MAX_SEATS
from .operator_parts import MAX_TOKEN_DAYS, MAX_URL, URL
from .operator_saml import MAX_METADATA

SEATS = {"type": "integer", "minimum": 1, "maximum": MAX_SEATS}
PRICE = {"type": "string", "pattern": r"^[0-9]{1,9}(\.[0-9]{1,2})?$", "examples": ["360.00"]}
HTTPS_URL = {"type": "string", "maxLength": MAX_URL, "pattern": f"^{URL.pattern}$"}
DOMAINS = {
    "type": "array",
    "items": {
        "type": "string",
        "pattern": "^([a-z0-9]([a-z0-9-]{0,20}[a-z0-9])?\\.){1,4}[a-z]{2,10}$",
    },
}
NULLABLE_DATETIME = {"type": ["string", "null"], "format": "date-time"}
LANGUAGE = {
    "enum": list(LANGUAGES),
    "description": "The language of the owners' pages, mails, invoices and SCIM errors.",
}
# A name: 1 to 200 characters the gateway stores, not only spaces.
NAME = {
    "type": "string",
    "minLength": 1,
    "maxLength": 200,
    "pattern": f"^[^{REFUSED_CONTROLS}]*[^\\s{REFUSED_CONTROLS}][^{REFUSED_CONTROLS}]*$",
}


def operator_schemas() -> dict[str, Any]:
    """Return the shapes the operator API reads and writes."""
    money = ref("Money")
    return {
        "OrganizationCreate": {
            "type": "object",
            "additionalProperties": False,
            "required": ["slug", "name", "seats", "price_per_seat_year", "currency", "start"],
            "properties": {
                "slug": {"type": "string", "pattern": "^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$"},
                "name": NAME,
                "seats": SEATS,
                "price_per_seat_year": PRICE,
                "currency": {"enum": ["USD", "EUR", "GBP"]},
                "start": DATE,
                "timezone": {"enum": ["UTC", "Europe/Madrid", "America/New_York"]},
                "auto_renew": {"type": "boolean"},
                "min_seats": {**SEATS, "description": "The plan minimum; at most seats."},
                "language": {**LANGUAGE, "default": "en"},
            },
        },
        "OrganizationChange": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "name": NAME,
                "language": LANGUAGE,
                "next_term": {
                    "type": "object",
                    "additionalProperties": False,
                    "properties": {
                        "price_per_seat_year": PRICE,
                        "auto_renew": {"type": "boolean"},
                        "min_seats": SEATS,
                    },
                },
            },
        },
        "Organization": _object(
            {
                "slug": {"type": "string"},
                "name": {"type": "string"},
                "language": LANGUAGE,
                "created_at": DATETIME,
                "status": {"enum": ["active", "expired"]},
                "seats": _object(
                    {"purchased": COUNT, "in_use": COUNT, "free": COUNT, "percent_used": COUNT}
                ),
                "pending_requests": COUNT,
                "runs_out_on": {"type": ["string", "null"], "format": "date"},
                "term": ref("Period"),
                "timezone": {"type": "string"},
                "price_per_seat_year": money,
                "next_term": _object(
                    {
                        "price_per_seat_year": money,
                        "auto_renew": {"type": "boolean"},
                        "min_seats": COUNT,
                    }
                ),
                "invoices": _object({"due": COUNT, "overdue": COUNT, "amount_due": money}),
                "scim_token_expires_at": {"type": ["string", "null"], "format": "date-time"},
            }
        ),
        "OrganizationList": _object(
            {
                "organizations": {"type": "array", "items": ref("Organization")},
                "next": NULLABLE_TEXT,
            }
        ),
        "ScimToken": _object(
            {
                "id": {"type": "integer"},
                "prefix": {"type": "string"},
                "label": NULLABLE_TEXT,
                "created_at": DATETIME,
                "expires_at": {"type": ["string", "null"], "format": "date-time"},
                "revoked_at": {"type": ["string", "null"], "format": "date-time"},
                "last_used_at": {"type": ["string", "null"], "format": "date-time"},
            }
        ),
        "ScimTokenList": _object({"tokens": {"type": "array", "items": ref("ScimToken")}}),
        "ScimTokenIssued": {
            "allOf": [ref("ScimToken"), _object({"token": {"type": "string"}})],
            "description": "The secret is shown this once; it is stored only as a hash.",
        },
        "ScimTokenRequest": {
            "type": "object",
            "additionalProperties": False,
            "required": ["label"],
            "properties": {
                "label": NAME,
                "expires_in_days": {"type": "integer", "minimum": 1, "maximum": MAX_TOKEN_DAYS},
            },
        },
        "Sso": {
            "type": "object",
            "required": ["organization", "protocol"],
            "description": "Never a secret: only client_secret_set. SAML settings add the "
            "IdP's entity id, certificate expiry and what to register at the IdP.",
            "properties": {
                "organization": {"type": "string"},
                "protocol": {"enum": ["oidc", "saml", None]},
                "issuer": NULLABLE_TEXT,
                "jit": {"type": "boolean"},
                "domains": {"type": "array", "items": {"type": "string"}},
                "product_url": NULLABLE_TEXT,
                "client_secret_set": {"type": "boolean"},
                "idp_entity_id": NULLABLE_TEXT,
                "idp_metadata_url": {
                    **NULLABLE_TEXT,
                    "description": "Null when the metadata was sent inline.",
                },
                "idp_certificate_expires": NULLABLE_DATETIME,
                "idp_initiated": {"type": "boolean"},
                "sign_requests": {"type": "boolean"},
                "sp_entity_id": {"type": "string"},
                "acs_url": {"type": "string"},
                "single_logout_url": {"type": "string"},
                "sp_certificate": NULLABLE_TEXT,
                "sp_certificate_expires": NULLABLE_DATETIME,
            },
        },
        "SsoChange": {
            "type": "object",
            "additionalProperties": False,
            "required": ["issuer", "client_id", "product_url"],
            "properties": {
                "issuer": HTTPS_URL,
                "client_id": {**NAME, "maxLength": 256},
                "client_secret": {
                    **NAME,
                    "writeOnly": True,
                    "description": "Required the first time; left out, the stored one stays.",
                },
                "product_url": HTTPS_URL,
                "jit": {"type": "boolean"},
                "domains": DOMAINS,
            },
        },
        "SsoSamlChange": {
            "type": "object",
            "additionalProperties": False,
            "required": ["product_url"],
            "oneOf": [{"required": ["idp_metadata"]}, {"required": ["idp_metadata_url"]}],
            "description": "Exactly one of idp_metadata and idp_metadata_url.",
            "properties": {
                "idp_metadata": {
                    "type": "string",
                    "minLength": 1,
                    "maxLength": MAX_METADATA,
                    "pattern": f"^[^{REFUSED_CONTROLS}]*$",
                    "description": "The IdP's SAML metadata XML.",
                },
                "idp_metadata_url": HTTPS_URL,
                "product_url": HTTPS_URL,
                "jit": {"type": "boolean"},
                "domains": DOMAINS,
                "idp_initiated": {"type": "boolean"},
                "sign_requests": {"type": "boolean"},
            },
        },
        "Owner": _object(
            {
                "id": {"type": "integer"},
                "email": {"type": "string"},
                "role": {"enum": list(ROLES)},
                "password_set": {"type": "boolean"},
                "created_at": DATETIME,
            }
        ),
        "OwnerList": _object({"owners": {"type": "array", "items": ref("Owner")}}),
        "OwnerInvite": {
            "type": "object",
            "additionalProperties": False,
            "required": ["email", "role"],
            "properties": {
                "email": {"type": "string", "format": "email"},
                "role": {"enum": list(ROLES)},
            },
        },
        "Payment": {
            "allOf": [
                ref("Invoice"),
                _object(
                    {"due_on": DATE, "paid_on": {"type": ["string", "null"], "format": "date"}}
                ),
            ]
        },
        "PaymentList": _object(
            {"invoices": {"type": "array", "items": ref("Payment")}, "next": NULLABLE_TEXT}
        ),
        "PaidOn": {
            "type": "object",
            "additionalProperties": False,
            "properties": {"on": {**DATE, "description": "Today in the billing zone if absent."}},
        },
    }
