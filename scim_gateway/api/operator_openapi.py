"""The OpenAPI 3.1 document of the operator API, served at /api/v1/operator/openapi.json."""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify

from seat_core.text import REFUSED_CONTROLS

from .openapi_parts import (
    INPUT_ERRORS,
    ORG,
    PAGING,
    TEXT,
    json_response,
    problem,
    ref,
    schemas,
)
from .operator import bp
from .operator_schemas import operator_schemas
from .seats import KEY_HEADER_PATTERN

AUTH = {
    "401": problem("No live operator token."),
    "404": problem("No such organization or resource."),
}
BAD_BODY = problem("A field is missing, of the wrong type or out of range.")
UNKNOWN = problem("Malformed input, unknown fields or parameters.")
NUMBER = {"name": "number", "in": "path", "required": True, "schema": TEXT}
NO_CONTENT = {"description": "Done."}
# A filter the console's search box may send empty: empty is no filter.
MAYBE_TEXT = {"type": "string", "pattern": f"^[^{REFUSED_CONTROLS}]*$"}


def _id(name: str) -> dict[str, Any]:
    return {"name": name, "in": "path", "required": True, "schema": {"type": "integer"}}


def _body(schema: dict[str, Any], *, required: bool = True) -> dict[str, Any]:
    return {"required": required, "content": {"application/json": {"schema": schema}}}


def _op(op_id: str, summary: str, responses: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"operationId": op_id, "summary": summary, "responses": {**responses, **AUTH}, **extra}


def document(max_seats: int) -> dict[str, Any]:
    """Build the document."""
    key = {
        "name": "Idempotency-Key",
        "in": "header",
        "required": True,
        "schema": {"type": "string", "pattern": KEY_HEADER_PATTERN},
    }
    listing = [
        {
            "name": "limit",
            "in": "query",
            "schema": {"type": "integer", "minimum": 1, "maximum": 200},
        },
        {
            "name": "after",
            "in": "query",
            "description": "The last slug of the previous page.",
            "schema": MAYBE_TEXT,
        },
        {"name": "status", "in": "query", "schema": {"enum": ["active", "expired"]}},
        {
            "name": "q",
            "in": "query",
            "description": "Text in the slug or name.",
            "schema": MAYBE_TEXT,
        },
    ]
    org_path = "/orgs/{org}"
    paths: dict[str, Any] = {
        "/orgs": {
            "post": _op(
                "createOrganization",
                "Create an organization with its contract.",
                {
                    "201": json_response(
                        "The organization (first creation or replay).",
                        ref("Organization"),
                        headers={"Idempotent-Replayed": {"schema": {"enum": ["true"]}}},
                    ),
                    "400": UNKNOWN,
                    "409": problem("The slug is taken, or the key's first request is in flight."),
                    "422": problem("A field is invalid, or the key was used with another body."),
                },
                description="The same Idempotency-Key and body replay the first organization.",
                parameters=[key],
                requestBody=_body(ref("OrganizationCreate")),
            ),
            "get": _op(
                "listOrganizations",
                "Organizations by slug, with seats, forecast, term and invoices.",
                {"200": json_response("A page.", ref("OrganizationList")), "400": UNKNOWN},
                parameters=listing,
            ),
        },
        org_path: {
            "get": _op(
                "getOrganization",
                "One organization.",
                {"200": json_response("It.", ref("Organization"))},
                parameters=[ORG],
            ),
            "patch": _op(
                "changeOrganization",
                "Change the name and the next term's price, auto-renewal and minimum.",
                {
                    "200": json_response("It now.", ref("Organization")),
                    "400": UNKNOWN,
                    "422": BAD_BODY,
                },
                description="The current term and issued invoices never change.",
                parameters=[ORG],
                requestBody=_body(ref("OrganizationChange")),
            ),
        },
        f"{org_path}/scim-tokens": {
            "get": _op(
                "listScimTokens",
                "SCIM tokens, never their secrets.",
                {"200": json_response("Them.", ref("ScimTokenList"))},
                parameters=[ORG],
            ),
            "post": _op(
                "issueScimToken",
                "Issue a SCIM token.",
                {
                    "201": json_response("The token and its secret.", ref("ScimTokenIssued")),
                    "400": UNKNOWN,
                    "422": BAD_BODY,
                },
                parameters=[ORG],
                requestBody=_body(ref("ScimTokenRequest")),
            ),
        },
        f"{org_path}/scim-tokens/{{token_id}}": {
            "delete": _op(
                "revokeScimToken",
                "Revoke a SCIM token.",
                {"204": NO_CONTENT},
                parameters=[ORG, _id("token_id")],
            ),
        },
        f"{org_path}/sso": {
            "get": _op(
                "getSso",
                "Single sign-on settings.",
                {"200": json_response("Them.", ref("Sso"))},
                parameters=[ORG],
            ),
            "put": _op(
                "setSso",
                "Set OpenID Connect sign-in; the secret is write-only.",
                {"200": json_response("Them now.", ref("Sso")), "400": UNKNOWN, "422": BAD_BODY},
                parameters=[ORG],
                requestBody=_body(ref("SsoChange")),
            ),
        },
        f"{org_path}/sso/saml": {
            "put": _op(
                "setSaml",
                "Set SAML 2.0 sign-in from the IdP's metadata, inline or fetched from its URL.",
                {
                    "200": json_response("Them now.", ref("Sso")),
                    "400": UNKNOWN,
                    "422": problem(
                        "A field is invalid, or the metadata cannot be used or fetched."
                    ),
                },
                description="A metadata URL is fetched only from a public address or a "
                "network in SCIM_GATEWAY_WEBHOOK_ALLOWED_NETWORKS, as webhooks are sent.",
                parameters=[ORG],
                requestBody=_body(ref("SsoSamlChange")),
            ),
        },
        f"{org_path}/owners": {
            "get": _op(
                "listOwners",
                "Owners, Primary Owners first.",
                {"200": json_response("Them.", ref("OwnerList"))},
                parameters=[ORG],
            ),
            "post": _op(
                "inviteOwner",
                "Invite an owner: a mailed single-use link, valid 7 days, sets a password.",
                {"201": json_response("The owner.", ref("Owner")), "400": UNKNOWN, "422": BAD_BODY},
                parameters=[ORG],
                requestBody=_body(ref("OwnerInvite")),
            ),
        },
        f"{org_path}/owners/{{owner_id}}": {
            "delete": _op(
                "removeOwner",
                "Remove an owner.",
                {"204": NO_CONTENT},
                parameters=[ORG, _id("owner_id")],
            ),
        },
        f"{org_path}/invoices": {
            "get": _op(
                "listPayments",
                "Invoices with due and paid days, newest first.",
                {"200": json_response("A page.", ref("PaymentList")), "400": UNKNOWN},
                parameters=[ORG, *PAGING],
            ),
        },
        f"{org_path}/invoices/{{number}}/paid": {
            "post": _op(
                "markPaid",
                "Record that an invoice was paid.",
                {
                    "200": json_response("The invoice.", ref("Payment")),
                    "400": UNKNOWN,
                    "422": BAD_BODY,
                },
                parameters=[ORG, NUMBER],
                requestBody=_body(ref("PaidOn"), required=False),
            ),
        },
        f"{org_path}/invoices/{{number}}/due": {
            "post": _op(
                "markDue",
                "Make an invoice due again.",
                {"200": json_response("The invoice.", ref("Payment"))},
                parameters=[ORG, NUMBER],
            ),
        },
    }
    for path in paths.values():
        for operation in path.values():
            for status, response in INPUT_ERRORS.items():
                operation["responses"].setdefault(status, response)
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "SCIM Seat Gateway operator API",
            "version": "1.0.0",
            "description": "Create and watch every organization, for the vendor's operators. "
            "Authenticate with an operator token (`scim-gateway operator token issue`); "
            "it opens nothing else, and no other token opens this API.",
        },
        "servers": [{"url": "/api/v1/operator"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
            "schemas": {**schemas(max_seats), **operator_schemas()},
        },
    }


@bp.get("/openapi.json")
def openapi() -> Any:
    """Serve the OpenAPI document."""
    return jsonify(document(int(current_app.config["MAX_SEATS_PER_PURCHASE"])))
