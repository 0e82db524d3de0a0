"""Seats over JSON: usage, quotes and idempotent purchases."""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext as _

from seat_core import (
    contract_of,
    forecast_of,
    renewal_preview,
    usage,
)

from .. import purchases
from ..clock import today_for
from ..db import read_only, transaction
from ..jsonbody import request_json
from . import bp
from .auth import authenticate, fail, only_params, require_owner
from .serialize import invoice_json, quote_json, seats_json

# The key is a structured-field string ("..."), or the same characters bare: printable
# ASCII without quotes or backslashes, 1 to 200 of them. The OpenAPI document uses it too.
_CHARS = r"[\x20-\x21\x23-\x5b\x5d-\x7e]"
_EDGE = r"[\x21\x23-\x5b\x5d-\x7e]"
KEY_HEADER_PATTERN = f'^(?:({_EDGE}(?:{_CHARS}{{0,198}}{_EDGE})?)|"({_CHARS}{{1,200}})")$'


def seats_body() -> int:
    """Read {"seats": n} from the JSON body, refusing anything else with a clear problem."""
    body = request_json()
    if not isinstance(body, dict):
        fail(400, "Bad Request", _('Send a JSON object like {"seats": 5}.'))
    unknown = sorted(set(body) - {"seats"})
    if unknown:
        fail(400, "Bad Request", _("Unknown fields: %(fields)s.", fields=", ".join(unknown)))
    seats = body.get("seats")
    if isinstance(seats, float) and seats.is_integer() and abs(seats) < 2**53:
        seats = int(seats)  # JSON Schema counts 5.0 as the integer 5
    if isinstance(seats, bool) or not isinstance(seats, int):
        fail(422, "Unprocessable Content", _('"seats" must be a whole number of at least 1.'))
    maximum = purchases.max_seats()
    if not 1 <= seats <= maximum:
        fail(
            422,
            "Unprocessable Content",
            _('"seats" must be between 1 and %(most)d, not %(seats)d.', most=maximum, seats=seats),
        )
    return seats


def idempotency_key() -> str:
    """Read the Idempotency-Key header (a bare or quoted string)."""
    raw = request.headers.get("Idempotency-Key")
    if raw is None or not raw.strip():
        fail(400, "Bad Request", _("Send an Idempotency-Key header, e.g. a fresh UUID."))
    match = re.match(KEY_HEADER_PATTERN, raw.strip())
    if match is None:
        fail(
            400,
            "Bad Request",
            _(
                "The Idempotency-Key must be 1 to 200 printable ASCII characters without "
                'quotes or backslashes, optionally in double quotes like "8e03978e".'
            ),
        )
    return match.group(1) or match.group(2)


@bp.get("/orgs/<org>/seats")
def get_seats(org: str) -> Any:
    """Return seats purchased, in use and free, pending requests, term, renewal and forecast."""
    only_params()
    with read_only() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token)
        contract = contract_of(session, organization.id)
        forecast = forecast_of(
            session,
            organization,
            today=today_for(contract),
            max_seats=purchases.max_seats(),
        )
        seats = seats_json(org, usage(session, organization), contract, renewal_preview(contract))
        return jsonify({**seats, "forecast": forecast.summary()})


@bp.post("/orgs/<org>/seats/quote")
def quote_seats(org: str) -> Any:
    """Quote adding seats today, with the arithmetic the purchase uses."""
    only_params()
    with transaction() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token)
        seats = seats_body()
        quote = purchases.quote(session, organization, seats=seats)
        return jsonify(quote_json(quote))


@bp.post("/orgs/<org>/seats/purchases")
def buy_seats(org: str) -> Any:
    """Buy seats and return the invoice; the Idempotency-Key makes retries buy once."""
    only_params()
    with transaction(durable=True) as session:
        organization, token = authenticate(session, org)
        require_owner(session, token, primary=True)
        key = idempotency_key()
        seats = seats_body()
        # Namespaced so that an API key never collides with a form's token.
        purchase = purchases.buy(session, organization, seats=seats, idempotency_key=f"api:{key}")
        response = jsonify(invoice_json(purchase.invoice))
        # A replay answers as the first request did, marked so clients can tell.
        response.status_code = 201
        response.headers["Location"] = url_for(
            "api.get_invoice", org=org, number=purchase.invoice.number
        )
        if purchase.replayed:
            response.headers["Idempotent-Replayed"] = "true"
        return response
