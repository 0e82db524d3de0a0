"""Organizations over the operator API: create once per key, list, read, change."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, request, url_for
from sqlalchemy.orm import Session

from seat_core import contract_of, get_organization, parse_money
from seat_core.accounts import (
    change_organization,
    create_organization_once,
    organizations_page,
    request_hash,
)
from seat_core.models import Organization
from seat_core.orgs import LANGUAGES
from seat_core.overview import Overview, overview_of

from ..clock import now, today_for
from ..db import read_only, transaction
from .auth import fail, only_params
from .lists import whole_number
from .operator import bp, field, json_object
from .seats import idempotency_key
from .serialize import money

CREATE_EXAMPLE = (
    '{"slug": "acme", "name": "Acme", "seats": 25, "price_per_seat_year": "360.00", '
    '"currency": "USD", "start": "2025-01-01"}'
)
STATUSES = ("active", "expired")
MAX_LIMIT = 200
# Seat counts are 32-bit integers in the database; no contract comes near this.
MAX_SEATS = 10_000_000
# A year of the most seats at this price still fits a 64-bit invoice total.
MAX_PRICE_MINOR = 10**11


def overview_json(overview: Overview) -> dict[str, Any]:
    """Return an organization as operators read it."""
    organization, contract = overview.organization, overview.contract
    currency = contract.currency
    expiry = overview.scim_token_expires_at
    return {
        "slug": organization.slug,
        "name": organization.name,
        "language": organization.language,
        "created_at": organization.created_at.isoformat(),
        "status": contract.status,
        "seats": {
            "purchased": contract.seats_purchased,
            "in_use": contract.seats_used,
            "free": contract.seats_purchased - contract.seats_used,
            "percent_used": overview.percent_used,
        },
        "pending_requests": overview.pending_requests,
        "runs_out_on": overview.runs_out_on.isoformat() if overview.runs_out_on else None,
        "term": {"start": contract.term_start.isoformat(), "end": contract.term_end.isoformat()},
        "timezone": contract.timezone,
        "price_per_seat_year": money(contract.price_per_seat_year_minor, currency),
        "next_term": {
            "price_per_seat_year": money(contract.next_price_per_seat_year_minor, currency),
            "auto_renew": contract.auto_renew,
            "min_seats": contract.min_seats,
        },
        "invoices": {
            "due": overview.invoices_due,
            "overdue": overview.invoices_overdue,
            "amount_due": money(overview.amount_due_minor, currency),
        },
        "scim_token_expires_at": expiry.isoformat() if expiry else None,
    }


def contract_body() -> dict[str, Any]:
    """Read an organization's creation from the JSON body, every field checked."""
    body = json_object(
        CREATE_EXAMPLE,
        required=("slug", "name", "seats", "price_per_seat_year", "currency", "start"),
        optional=("timezone", "auto_renew", "min_seats", "language"),
    )
    currency = field(body, "currency", str).upper()
    start = field(body, "start", str)
    try:
        start_day = date.fromisoformat(start)
    except ValueError:
        fail(
            422,
            "Unprocessable Content",
            f'"start" must be a date like 2025-01-01, not {start[:40]!r}.',
        )
    # Only a language given counts in the request's fingerprint, so that keys used before
    # organizations had one still replay.
    language = language_of(body)
    return {
        **({"language": language} if language is not None else {}),
        "slug": field(body, "slug", str),
        "name": name_of(body),
        "seats": seat_count(body, "seats"),
        "price_per_seat_year_minor": price(field(body, "price_per_seat_year", str), currency),
        "currency": currency,
        "start": start_day,
        "timezone": field(body, "timezone", str, default="UTC"),
        "auto_renew": field(body, "auto_renew", bool, default=True),
        "min_seats": seat_count(body, "min_seats", default=1),
    }


@bp.post("/orgs")
def create_org() -> Any:
    """Create an organization with its contract; the Idempotency-Key makes retries create one."""
    only_params()
    key = idempotency_key()
    contract = contract_body()
    with transaction() as session:
        created = create_organization_once(
            session, key=key, fingerprint=request_hash(contract), at=now(), **contract
        )
        organization = created.organization
        body = overview_json(
            overview_of(session, organization, today=_today(session, organization), at=now())
        )
    response = jsonify(body)
    response.status_code = 201
    response.headers["Location"] = url_for("operator_api.get_org", org=body["slug"])
    if created.replayed:
        response.headers["Idempotent-Replayed"] = "true"
    return response


def _today(session: Session, organization: Organization) -> date:
    return today_for(contract_of(session, organization.id))


def name_of(body: dict[str, Any]) -> str | None:
    """Return the name from the body, at most the 200 characters the database stores."""
    name = field(body, "name", str)
    if name is not None and len(name.strip()) > 200:
        fail(422, "Unprocessable Content", '"name" must be at most 200 characters.')
    return name


def language_of(body: dict[str, Any]) -> str | None:
    """Return the language from the body, if any: one the gateway speaks."""
    language = field(body, "language", str)
    if language is not None and language not in LANGUAGES:
        fail(422, "Unprocessable Content", f'"language" must be one of {", ".join(LANGUAGES)}.')
    return language


def price(text: str, currency: str) -> int:
    """Return a price per seat-year in minor units, within what an invoice can total."""
    minor = parse_money(text, currency)
    if minor > MAX_PRICE_MINOR:
        fail(422, "Unprocessable Content", f"{text[:40]!r} is more than a seat-year can cost.")
    return minor


def seat_count(body: dict[str, Any], name: str, *, default: int | None = None) -> int | None:
    """Return a count of seats from the body, within what the database stores."""
    value = field(body, name, int, default=default)
    if value is not None and not 1 <= value <= MAX_SEATS:
        fail(422, "Unprocessable Content", f'"{name}" must be between 1 and {MAX_SEATS}.')
    return value


@bp.get("/orgs")
def list_orgs() -> Any:
    """List organizations by slug, filtered by status and text; follow "next" for more."""
    only_params("limit", "after", "status", "q")
    limit = whole_number("limit", request.args.get("limit", "50"))
    if not 1 <= limit <= MAX_LIMIT:
        fail(400, "Bad Request", f"limit must be between 1 and {MAX_LIMIT}.")
    status = request.args.get("status")
    if status is not None and status not in STATUSES:
        fail(400, "Bad Request", f"status must be one of {', '.join(STATUSES)}.")
    text = request.args.get("q") or None
    after = request.args.get("after") or None
    at = now()
    with read_only() as session:
        rows = organizations_page(session, status=status, text=text, limit=limit + 1, after=after)
        more = len(rows) > limit
        rows = rows[:limit]
        items = [
            overview_json(overview_of(session, row, today=_today(session, row), at=at))
            for row in rows
        ]
    args = {"limit": limit, "status": status, "q": text}
    next_url = (
        url_for(
            "operator_api.list_orgs", after=rows[-1].slug, **{k: v for k, v in args.items() if v}
        )
        if more
        else None
    )
    return jsonify({"organizations": items, "next": next_url})


@bp.get("/orgs/<org>")
def get_org(org: str) -> Any:
    """Return one organization."""
    only_params()
    with read_only() as session:
        organization = get_organization(session, org)
        return jsonify(
            overview_json(
                overview_of(session, organization, today=_today(session, organization), at=now())
            )
        )


@bp.patch("/orgs/<org>")
def change_org(org: str) -> Any:
    """Change the name, the language and the next term's price, auto-renewal and minimum."""
    only_params()
    body = json_object(
        '{"name": "Acme Corp", "language": "es", "next_term": {"price_per_seat_year": "400.00"}}',
        required=(),
        optional=("name", "language", "next_term"),
    )
    next_term = body.get("next_term", {})
    if not isinstance(next_term, dict):
        fail(422, "Unprocessable Content", '"next_term" must be an object.')
    unknown = sorted(set(next_term) - {"price_per_seat_year", "auto_renew", "min_seats"})
    if unknown:
        fail(400, "Bad Request", f"Unknown fields in next_term: {', '.join(unknown)}.")
    name = name_of(body)
    language = language_of(body)
    new_price = field(next_term, "price_per_seat_year", str)
    auto_renew = field(next_term, "auto_renew", bool)
    min_seats = seat_count(next_term, "min_seats")
    at = now()
    with transaction() as session:
        organization = get_organization(session, org)
        currency = contract_of(session, organization.id).currency
        change_organization(
            session,
            organization,
            at=at,
            name=name,
            next_price_minor=price(new_price, currency) if new_price is not None else None,
            auto_renew=auto_renew,
            min_seats=min_seats,
            language=language,
        )
        return jsonify(
            overview_json(
                overview_of(session, organization, today=_today(session, organization), at=at)
            )
        )
