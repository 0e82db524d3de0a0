"""Invoices and seat requests over JSON, newest first, paged by id."""

from __future__ import annotations

import re
from typing import Any

from flask import jsonify, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from seat_core.models import MAX_ID, Invoice, SeatRequest

from ..db import read_only
from . import bp
from .auth import authenticate, fail, only_params, require_owner
from .serialize import invoice_json, seat_request_json

MAX_LIMIT = 200
STATUSES = ("pending", "admitted", "dismissed")
_DIGITS = re.compile("[0-9]{1,19}")


def paging(*other: str) -> tuple[int, int | None]:
    """Read limit (1 to 200, default 50) and before (an id) from the query string."""
    only_params("limit", "before", *other)
    limit = whole_number("limit", request.args.get("limit", "50"))
    before = whole_number("before", request.args["before"]) if "before" in request.args else None
    if not 1 <= limit <= MAX_LIMIT:
        fail(400, "Bad Request", _("limit must be between 1 and %(most)d.", most=MAX_LIMIT))
    if before == 0:
        fail(400, "Bad Request", _("before must be a positive id."))
    if before is not None and before > MAX_ID:
        before = None  # every stored id is older than this cursor
    return limit, before


def whole_number(name: str, text: str) -> int:
    """Return a query parameter's ASCII digits as an int; fail with 400 on anything else."""
    # int() would also take "1_000", " 7" and other scripts' digits; more than 19 digits
    # is past any id either database stores, so it is refused before it is converted.
    if not _DIGITS.fullmatch(text):
        fail(
            400,
            "Bad Request",
            _("%(name)s must be a whole number, not %(text)s.", name=name, text=repr(text[:40])),
        )
    return int(text)


@bp.get("/orgs/<org>/invoices")
def list_invoices(org: str) -> Any:
    """List invoices, newest first; follow "next" for older ones."""
    limit, before = paging()
    with read_only() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token)
        query = select(Invoice).where(Invoice.organization_id == organization.id)
        if before is not None:
            query = query.where(Invoice.id < before)
        rows = session.scalars(
            query.options(selectinload(Invoice.lines)).order_by(Invoice.id.desc()).limit(limit + 1)
        ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_url = (
            url_for("api.list_invoices", org=org, limit=limit, before=rows[-1].id) if more else None
        )
        return jsonify({"invoices": [invoice_json(row) for row in rows], "next": next_url})


@bp.get("/orgs/<org>/invoices/<number>")
def get_invoice(org: str, number: str) -> Any:
    """Return one invoice by number."""
    only_params()
    with read_only() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token)
        row = session.scalars(
            select(Invoice)
            .where(Invoice.organization_id == organization.id, Invoice.number == number)
            .options(selectinload(Invoice.lines))
        ).first()
        if row is None:
            fail(
                404,
                "Not Found",
                _("No invoice %(number)s in this organization.", number=repr(number)),
            )
        return jsonify(invoice_json(row))


@bp.get("/orgs/<org>/seat-requests")
def list_seat_requests(org: str) -> Any:
    """List seat requests of a status (pending by default), most recent attempt first."""
    limit, before = paging("status")
    status = request.args.get("status", "pending")
    if status not in STATUSES:
        fail(
            400,
            "Bad Request",
            _("status must be one of %(statuses)s.", statuses=", ".join(STATUSES)),
        )
    with read_only() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token)
        query = select(SeatRequest).where(
            SeatRequest.organization_id == organization.id, SeatRequest.status == status
        )
        if before is not None:
            query = query.where(SeatRequest.id < before)
        rows = session.scalars(query.order_by(SeatRequest.id.desc()).limit(limit + 1)).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_url = (
            url_for(
                "api.list_seat_requests", org=org, status=status, limit=limit, before=rows[-1].id
            )
            if more
            else None
        )
        return jsonify(
            {"seat_requests": [seat_request_json(row) for row in rows], "next": next_url}
        )
