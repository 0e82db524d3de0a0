"""Invoices over the operator API: listed with due and paid days, marked paid or due."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask import jsonify, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from seat_core import contract_of, get_organization
from seat_core.accounts import pay_invoice, reopen_invoice
from seat_core.models import Invoice

from ..clock import now, today_for
from ..db import read_only, transaction
from .auth import fail, only_params
from .lists import paging
from .operator import bp, field, json_object
from .serialize import invoice_json


@bp.get("/orgs/<org>/invoices")
def list_invoices(org: str) -> Any:
    """List invoices, newest first, with whether each is paid; follow "next" for older ones."""
    limit, before = paging()
    with read_only() as session:
        organization = get_organization(session, org)
        query = select(Invoice).where(Invoice.organization_id == organization.id)
        if before is not None:
            query = query.where(Invoice.id < before)
        rows = session.scalars(
            query.options(selectinload(Invoice.lines)).order_by(Invoice.id.desc()).limit(limit + 1)
        ).all()
        more = len(rows) > limit
        rows = rows[:limit]
        next_url = (
            url_for("operator_api.list_invoices", org=org, limit=limit, before=rows[-1].id)
            if more
            else None
        )
        return jsonify({"invoices": [payment_json(row) for row in rows], "next": next_url})


def payment_json(invoice: Invoice) -> dict[str, Any]:
    """Return an invoice with when it is due and when it was paid."""
    return {
        **invoice_json(invoice),
        "due_on": invoice.due_on.isoformat(),
        "paid_on": invoice.paid_on.isoformat() if invoice.paid_on else None,
    }


@bp.post("/orgs/<org>/invoices/<number>/paid")
def mark_paid(org: str, number: str) -> Any:
    """Record that an invoice was paid (today in the billing time zone unless "on" says)."""
    only_params()
    body = json_object('{"on": "2025-03-01"}', required=(), optional=("on",))
    on = field(body, "on", str)
    with transaction(durable=True) as session:
        organization = get_organization(session, org)
        try:
            day = (
                date.fromisoformat(on)
                if on is not None
                else today_for(contract_of(session, organization.id))
            )
        except ValueError:
            fail(
                422,
                "Unprocessable Content",
                f'"on" must be a date like 2025-03-01, not {on[:40]!r}.',
            )
        return jsonify(payment_json(pay_invoice(session, organization, number, on=day, at=now())))


@bp.post("/orgs/<org>/invoices/<number>/due")
def mark_due(org: str, number: str) -> Any:
    """Make an invoice due again: a payment was recorded by mistake."""
    only_params()
    with transaction(durable=True) as session:
        organization = get_organization(session, org)
        return jsonify(payment_json(reopen_invoice(session, organization, number, at=now())))
