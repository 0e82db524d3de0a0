"""Billing settings: the Seats section, Edit seats, the review page and Update."""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
from datetime import date
from typing import Any

from flask import Response, current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import Select, select

from seat_core import (
    MAX_RECLAIM_DAYS,
    IdempotencyKeyInFlight,
    StaleQuote,
    contract_of,
    find_purchase,
    policy_of,
    renewal_preview,
    set_billing_details,
    usage,
)
from seat_core.models import MIN_RECLAIM_DAYS, Organization, SeatRequest

from .. import i18n, purchases
from ..clock import now, today_for
from ..db import read_only, transaction
from ..tokens import KINDS, tokens_of
from . import bp
from .auth import owner_required
from .errors import FormError, answered_by, message_of
from .forecast import forecast_for
from .formatting import amount

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")
BILLING_FIELDS = ("billing_name", "billing_address", "billing_tax_id")


def purchase_token(edit: str, seats: int, on: date) -> str:
    """Return the one-time token of the review of an edit: one per edit, seats and day.

    Reloading the review, or coming back to it with the browser's Back button, shows the
    same token, so its Update replays the purchase it made instead of buying again.
    """
    message = f"purchase-review:{g.organization.id}:{g.owner.id}:{edit}:{seats}:{on}"
    secret = str(current_app.config["SECRET_KEY"]).encode()
    digest = hmac.new(secret, message.encode(), hashlib.sha256).digest()
    return base64.urlsafe_b64encode(digest[:24]).decode()


def _no_store(response: Any) -> Response:
    # The Back button must fetch these pages again, so that it shows what is true now.
    response = current_app.make_response(response)
    response.headers["Cache-Control"] = "no-store"
    return response


def parse_seats(text: str | None) -> int:
    """Read the number of seats to add from a form field."""
    text = (text or "").strip()
    if not text:
        raise FormError(_("Enter the number of seats to add."))
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise FormError(_("“%(typed)s” is not a whole number of seats.", typed=text[:20]))
    seats = int(text)
    if seats < 1:
        raise FormError(_("Add at least 1 seat."))
    maximum = purchases.max_seats()
    if seats > maximum:
        raise FormError(
            _("At most %(count)s seats can be added at once.", count=i18n.number(maximum))
        )
    return seats


@bp.get("/<org>/")
@owner_required()
def home(org: str) -> Any:
    """Send owners to Billing settings."""
    return redirect(url_for("admin.billing", org=org))


@bp.get("/<org>/billing")
@owner_required()
def billing(org: str) -> Any:
    """Show Billing settings: seats, requests, term, renewal and billing details."""
    return billing_page()


def billing_page(
    form: dict[str, str] | None = None,
    error: str | None = None,
    *,
    policy_form: dict[str, str] | None = None,
    policy_errors: dict[str, dict[str, Any]] | None = None,
) -> Any:
    """Render Billing settings, with a form shown again as typed where one was refused."""
    with read_only() as session:
        seats = usage(session, g.organization)
        contract = contract_of(session, g.organization.id)
        renews_on, renew_seats, renew_minor = renewal_preview(contract)
        waiting = session.scalars(
            _pending(g.organization.id).order_by(SeatRequest.last_seen_at.desc()).limit(5)
        ).all()
        return render_template(
            "admin/billing.html",
            usage=seats,
            contract=contract,
            renews_on=renews_on,
            renew_seats=renew_seats,
            renew_minor=renew_minor,
            waiting=waiting,
            today=today_for(contract),
            details=session.get_one(Organization, g.organization.id),
            form=form,
            details_error=error,
            seat_policy=policy_of(session, g.organization.id),
            policy_form=policy_form,
            policy_errors=policy_errors or {},
            min_reclaim_days=MIN_RECLAIM_DAYS,
            max_reclaim_days=MAX_RECLAIM_DAYS,
            forecast=forecast_for(session, contract),
            tokens=tokens_of(session, g.organization, at=now(), kinds=KINDS["all"]),
        ), (400 if error or policy_errors else 200)


@bp.get("/<org>/billing/seats")
@owner_required(primary=True)
def edit_seats(org: str) -> Any:
    """Show the Seats to add form, a new edit: its review gets its own one-time token."""
    seats = request.args.get("seats", "")
    banner = g.get("banner")
    if not seats and banner is not None and banner.to_buy:
        seats = str(banner.to_buy)  # the seats the waiting banner suggests
    with read_only() as session:
        contract = contract_of(session, g.organization.id)
        return _no_store(
            render_template(
                "admin/edit_seats.html",
                contract=contract,
                seats=seats,
                edit=secrets.token_urlsafe(16),
            )
        )


def _edit_again(error: Exception, status: int) -> Any:
    """Show the Seats to add form again, with the error, for another number."""
    with read_only() as session:
        page = render_template(
            "admin/edit_seats.html",
            contract=contract_of(session, g.organization.id),
            seats=request.args.get("seats") or "",
            edit=request.args.get("edit", ""),
            error=message_of(error),
        )
    return _no_store((page, status))


@bp.get("/<org>/billing/seats/review")
@owner_required(primary=True)
@answered_by(_edit_again)
def seats_review(org: str) -> Any:
    """Show the prorated quote for the seats to add, with the Update button."""
    text = request.args.get("seats")
    edit = request.args.get("edit", "")
    if not TOKEN_PATTERN.fullmatch(edit):
        # Reached from a link rather than the Edit seats form: this starts a new edit.
        return redirect(
            url_for("admin.seats_review", org=org, seats=text, edit=secrets.token_urlsafe(16))
        )
    seats = parse_seats(text)
    with read_only() as session:
        quote = purchases.quote(session, g.organization, seats=seats)
        token = purchase_token(edit, quote.seats, quote.on)
        bought = find_purchase(session, g.organization, key=f"form:{token}")
        return _no_store(
            render_template(
                "admin/review.html",
                quote=quote,
                purchase_token=token,
                bought=bought.number if bought else None,
            )
        )


def _purchase_form() -> tuple[int, str, date]:
    """Read the reviewed purchase: its seats, one-time token and the day it was quoted."""
    form = request.form
    seats = parse_seats(form.get("seats"))
    token = form.get("purchase_token", "")
    if not TOKEN_PATTERN.fullmatch(token):
        raise FormError(_("This form is missing its purchase token: review the purchase again."))
    try:
        return seats, token, date.fromisoformat(form.get("on", ""))
    except ValueError:
        raise FormError(_("Review the purchase again.")) from None


def _purchase_refused(error: Exception, status: int) -> Any:
    """Send the owner back to where the purchase can be tried again, saying why."""
    org = g.organization.slug
    if isinstance(error, FormError):
        flash(message_of(error), "error")
        return redirect(url_for("admin.edit_seats", org=org))
    seats = parse_seats(request.form.get("seats"))  # read already: the form was whole
    if isinstance(error, StaleQuote):
        flash(
            _(
                "That review was for %(day)s; the price changes with the date. Check the "
                "amount for today and click Update again.",
                day=i18n.day(error.quoted_on),
            ),
            "error",
        )
        return redirect(url_for("admin.seats_review", org=org, seats=seats))
    if isinstance(error, IdempotencyKeyInFlight):
        flash(_("This purchase is still being processed. Reload the page in a moment."), "error")
        return redirect(url_for("admin.billing", org=org))
    flash(message_of(error), "error")
    return redirect(url_for("admin.edit_seats", org=org, seats=seats))


@bp.post("/<org>/billing/seats")
@owner_required(primary=True)
@answered_by(_purchase_refused)
def buy_seats(org: str) -> Any:
    """Buy the reviewed seats and show the invoice."""
    seats, token, quoted_on = _purchase_form()
    with transaction(durable=True) as session:
        purchase = purchases.buy(
            session,
            g.organization,
            seats=seats,
            idempotency_key=f"form:{token}",
            # The seat core charges only a quote from today, so the amount is the one
            # the owner reviewed; a used token replays its purchase whatever the day.
            quoted_on=quoted_on,
        )
        invoice = purchase.invoice
        number, total = invoice.number, (invoice.total_minor, invoice.currency)
    if purchase.replayed:
        flash(
            _("These seats were already bought: here is invoice %(number)s.", number=number), "info"
        )
    else:
        added = ngettext(
            "%(num)d seat added. Invoice %(number)s issued for %(total)s.",
            "%(num)d seats added. Invoice %(number)s issued for %(total)s.",
            seats,
            number=number,
            total=amount(*total),
        )
        flash(added, "success")
    return redirect(url_for("admin.invoice", org=org, number=number))


def _details_again(error: Exception, status: int) -> Any:
    """Show Billing settings again with what was typed, so that only the mistake needs fixing."""
    typed = {name: request.form.get(name, "") for name in BILLING_FIELDS}
    return billing_page(form=typed, error=message_of(error))


@bp.post("/<org>/billing/details")
@owner_required(primary=True)
@answered_by(_details_again)
def billing_details(org: str) -> Any:
    """Save the billing name, address and tax id that the next invoices carry."""
    form = request.form
    with transaction() as session:
        organization = session.get_one(Organization, g.organization.id)
        set_billing_details(
            session,
            organization,
            name=form.get("billing_name", ""),
            address=form.get("billing_address", ""),
            tax_id=form.get("billing_tax_id", ""),
        )
    flash(_("Billing details saved. Invoices issued from now on carry them."), "success")
    return redirect(url_for("admin.billing", org=org) + "#details-heading")


def _pending(organization_id: int) -> Select[tuple[SeatRequest]]:
    return select(SeatRequest).where(
        SeatRequest.organization_id == organization_id, SeatRequest.status == "pending"
    )
