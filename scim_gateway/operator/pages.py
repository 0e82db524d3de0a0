"""The console's pages: every organization in one table, and one page per organization.

Every action asks first, on a page that names the organization, then acts on a second
POST that carries confirm=yes; both carry the CSRF token. Domain errors are answered once,
by the table below.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask import flash, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from seat_core import (
    InvalidContract,
    InvalidMoney,
    InvalidOwner,
    InvalidPayment,
    InvoiceNotFound,
    OrganizationNotFound,
    SeatError,
    contract_of,
    get_organization,
    owners_of,
    parse_money,
)
from seat_core.accounts import change_organization, pay_invoice, set_language
from seat_core.models import ApiToken, Event, Invoice, Organization, SsoConfig
from seat_core.overview import Overview, overview_of

from ..admin.usage import usage_chart
from ..clock import now, today_for
from ..db import read_only, transaction
from ..tokens import issue_token, revoke_token
from .console import bp, operator_required
from .invites import invite

SOON = timedelta(days=30)
ERRORS: dict[type[SeatError], int] = {
    OrganizationNotFound: 404,
    InvoiceNotFound: 404,
    InvalidOwner: 422,
    InvalidPayment: 422,
    InvalidContract: 422,
    InvalidMoney: 422,
}
FILTERS = {
    "near_full": "Near full (≥ 90 %)",
    "runs_out": "Runs out within 30 days",
    "overdue": "Invoice overdue",
    "term_ending": "Term ends within 30 days",
    "token_expiring": "SCIM token expiring",
}
COLUMNS = {
    "name": "Organization",
    "used": "Seats used",
    "purchased": "Purchased",
    "percent": "% used",
    "pending": "Pending",
    "runs_out": "Runs out",
    "term_end": "Term ends",
    "due": "Invoices due",
    "overdue": "Overdue",
}
ACTIONS = {
    "issue-token": "Issue a SCIM token for {org}?",
    "revoke-token": "Revoke SCIM token {token_id} of {org}?",
    "invite-owner": "Mail {email} an invitation to own {org}?",
    "mark-paid": "Mark invoice {number} of {org} as paid today?",
    "next-term": "Change the next term of {org}?",
    "set-language": "Write to the people of {org} in {language}?",
}


@bp.errorhandler(SeatError)
def domain_error(error: SeatError) -> Any:
    """Answer a refused action with a page saying why."""
    status = next((ERRORS[kind] for kind in type(error).__mro__ if kind in ERRORS), 422)
    return render_template("operator/message.html", title="Not done", message=error.message), status


def row_of(overview: Overview, today: date, at: datetime) -> dict[str, Any]:
    """Return an organization's row: numbers as numbers, so that columns sort numerically."""
    contract = overview.contract
    expiry = overview.scim_token_expires_at
    return {
        "slug": overview.organization.slug,
        "name": overview.organization.name,
        "used": contract.seats_used,
        "purchased": contract.seats_purchased,
        "percent": overview.percent_used,
        "pending": overview.pending_requests,
        "runs_out": overview.runs_out_on,
        "term_end": contract.term_end,
        "status": contract.status,
        "due": overview.invoices_due,
        "overdue": overview.invoices_overdue,
        "flags": {
            "near_full": overview.percent_used >= 90,
            "runs_out": overview.runs_out_on is not None and overview.runs_out_on <= today + SOON,
            "overdue": overview.invoices_overdue > 0,
            "term_ending": contract.term_end <= today + SOON,
            "token_expiring": expiry is not None and expiry <= at + SOON,
        },
    }


def _sort_key(column: str) -> Any:
    def key(row: dict[str, Any]) -> tuple[Any, ...]:
        value = row[column]
        if isinstance(value, str):
            return (0, value.casefold())
        # Rows without a value (no run-out day) sort after every row with one.
        return (value is None, value or 0)

    return key


@bp.get("/")
@operator_required
def organizations() -> Any:
    """List every organization with search, filters and sorting."""
    text = request.args.get("q", "").strip().casefold()
    chosen = [name for name in FILTERS if request.args.get(name)]
    column = request.args.get("sort", "name")
    column = column if column in COLUMNS else "name"
    descending = request.args.get("dir") == "desc"
    at = now()
    with read_only() as db:
        rows = []
        for organization in db.scalars(select(Organization).order_by(Organization.slug)):
            today = today_for(contract_of(db, organization.id), at)
            rows.append(row_of(overview_of(db, organization, today=today, at=at), today, at))
    rows = [
        row
        for row in rows
        if (not text or text in row["slug"] or text in row["name"].casefold())
        and all(row["flags"][name] for name in chosen)
    ]
    rows.sort(key=_sort_key(column), reverse=descending)
    return render_template(
        "operator/organizations.html", rows=rows, filters=FILTERS, chosen=chosen,
        columns=COLUMNS, column=column, descending=descending, q=request.args.get("q", ""),
    )  # fmt: skip


@bp.get("/orgs/<org>")
@operator_required
def organization(org: str) -> Any:
    """Show one organization: usage and chart, invoices, owners, tokens, SSO, recent events."""
    at = now()
    with read_only() as db:
        found = get_organization(db, org)
        contract = contract_of(db, found.id)
        overview = overview_of(db, found, today=today_for(contract, at), at=at)
        chart, _, _ = usage_chart(db, contract, found)
        invoices = db.scalars(
            select(Invoice).where(Invoice.organization_id == found.id)
            .options(selectinload(Invoice.lines)).order_by(Invoice.id.desc()).limit(20)
        ).all()  # fmt: skip
        tokens = db.scalars(
            select(ApiToken)
            .where(ApiToken.organization_id == found.id, ApiToken.kind == "scim")
            .order_by(ApiToken.id)
        ).all()
        recent = db.scalars(
            select(Event)
            .where(Event.organization_id == found.id)
            .order_by(Event.id.desc())
            .limit(20)
        ).all()
        return render_template(
            "operator/organization.html", o=overview, c=contract, chart=chart, invoices=invoices,
            owners=owners_of(db, found.id), tokens=tokens, sso=db.get(SsoConfig, found.id),
            events=recent, now=at,
        )  # fmt: skip


@bp.post("/orgs/<org>/<action>")
@operator_required
def act(org: str, action: str) -> Any:
    """Ask to confirm an action naming the organization; do it once confirmed."""
    if action not in ACTIONS:
        return render_template(
            "operator/message.html", title="Not found", message="No such action."
        ), 404
    fields = {
        key: value for key, value in request.form.items() if key not in ("csrf_token", "confirm")
    }
    with read_only() as db:
        name = get_organization(db, org).name
    if request.form.get("confirm") != "yes":
        named = {"token_id": "", "email": "", "number": "", "language": "", **fields, "org": name}
        question = ACTIONS[action].format(**{key: value[:80] for key, value in named.items()})
        return render_template(
            "operator/confirm.html", question=question, action=action, slug=org, fields=fields
        )
    at = now()
    # Marking an invoice paid moves money: committed durably (docs/operations.md).
    with transaction(durable=action == "mark-paid") as db:
        found = get_organization(db, org)
        if action == "issue-token":
            days_text = fields.get("days") or "365"
            days = int(days_text) if days_text.isdigit() and len(days_text) < 5 else 0
            if not 1 <= days <= 730 or not fields.get("label", "").strip():
                raise InvalidContract("A token needs a label and a life of 1 to 730 days")
            row, secret = issue_token(
                db, found, kind="scim", at=at, label=fields["label"].strip()[:200],
                expires_at=at + timedelta(days=days),
            )  # fmt: skip
            return render_template("operator/issued.html", org=found, token=row, secret=secret)
        if action == "revoke-token":
            token_id = fields.get("token_id", "")
            if not token_id.isdigit() or not revoke_token(db, found, int(token_id), at=at):
                raise InvalidContract(f"No live SCIM token {token_id[:20]} in {found.name}")
        elif action == "invite-owner":
            role = fields.get("role", "owner")
            if role not in ("owner", "primary_owner"):
                raise InvalidOwner("Choose Owner or Primary Owner")
            invite(db, found, email=fields.get("email", ""), role=role, at=at)
        elif action == "set-language":
            set_language(db, found, fields.get("language", ""), at=at)
        elif action == "mark-paid":
            today = today_for(contract_of(db, found.id), at)
            pay_invoice(db, found, fields.get("number", ""), on=today, at=at)
        else:
            currency = contract_of(db, found.id).currency
            price = fields.get("price", "").strip()
            minimum = fields.get("min_seats", "").strip()
            if minimum and not minimum.isdigit():
                raise InvalidContract("The minimum is a whole number of seats")
            change_organization(
                db, found, at=at,
                next_price_minor=parse_money(price, currency) if price else None,
                auto_renew=fields.get("auto_renew") == "on",
                min_seats=int(minimum) if minimum else None,
            )  # fmt: skip
    flash(f"Done for {name}.", "info")
    return redirect(url_for("operator.organization", org=org))


@bp.app_template_filter("ago")
def ago(value: datetime | None) -> str:
    """Format a time as its UTC day and minute."""
    return value.strftime("%Y-%m-%d %H:%M") if value else "—"
