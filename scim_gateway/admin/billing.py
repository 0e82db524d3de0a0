"""Billing settings: the Seats section, Edit seats, the review page and Update."""

from __future__ import annotations

import re
import secrets
from datetime import date
from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for
from sqlalchemy import Select, select

from seat_core import (
    IdempotencyKeyInFlight,
    IdempotencyKeyReused,
    InvalidQuantity,
    PurchaseOutsideTerm,
    SeatError,
    contract_of,
    purchase_seats,
    quote_purchase,
    renewal_preview,
    usage,
)
from seat_core.models import SeatRequest

from ..clock import now, today_for
from ..db import transaction
from . import bp
from .auth import owner_required
from .formatting import amount, plural

TOKEN_PATTERN = re.compile(r"[A-Za-z0-9_-]{16,64}")


class FormError(Exception):
    """A purchase form the owner must correct; the message says how."""


class StaleQuote(Exception):
    """The Update button of a review from another day: its amount no longer holds."""

    def __init__(self, on: date) -> None:
        super().__init__(on.isoformat())
        self.on = on


def parse_seats(text: str | None) -> int:
    """Read the number of seats to add from a form field."""
    text = (text or "").strip()
    if not text:
        raise FormError("Enter the number of seats to add.")
    if not re.fullmatch(r"[+-]?\d{1,9}", text):
        raise FormError(f"“{text[:20]}” is not a whole number of seats.")
    seats = int(text)
    if seats < 1:
        raise FormError("Add at least 1 seat.")
    maximum = int(current_app.config["MAX_SEATS_PER_PURCHASE"])
    if seats > maximum:
        raise FormError(f"At most {maximum:,} seats can be added at once.")
    return seats


@bp.get("/<org>/")
@owner_required()
def home(org: str) -> Any:
    """Send owners to Billing settings."""
    return redirect(url_for("admin.billing", org=org))


@bp.get("/<org>/billing")
@owner_required()
def billing(org: str) -> Any:
    """Show Billing settings: seats in use, purchased and free, requests, term, renewal."""
    with transaction() as session:
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
        )


@bp.get("/<org>/billing/seats")
@owner_required(primary=True)
def edit_seats(org: str) -> Any:
    """Show the Seats to add form."""
    with transaction() as session:
        contract = contract_of(session, g.organization.id)
        return render_template(
            "admin/edit_seats.html", contract=contract, seats=request.args.get("seats", "")
        )


@bp.get("/<org>/billing/seats/review")
@owner_required(primary=True)
def seats_review(org: str) -> Any:
    """Show the prorated quote for the seats to add, with the Update button."""
    text = request.args.get("seats")
    with transaction() as session:
        contract = contract_of(session, g.organization.id)
        try:
            seats = parse_seats(text)
            quote = quote_purchase(
                session,
                g.organization,
                seats=seats,
                on=today_for(contract),
                max_seats=int(current_app.config["MAX_SEATS_PER_PURCHASE"]),
            )
        except (FormError, SeatError) as error:
            return render_template(
                "admin/edit_seats.html", contract=contract, seats=text or "", error=str(error)
            ), 400
        # A fresh one-time token per review: Update sends it as the idempotency key, so
        # a double click or a reload of the result buys once.
        return render_template(
            "admin/review.html", quote=quote, purchase_token=secrets.token_urlsafe(24)
        )


@bp.post("/<org>/billing/seats")
@owner_required(primary=True)
def buy_seats(org: str) -> Any:
    """Buy the reviewed seats and show the invoice."""
    form = request.form
    try:
        seats = parse_seats(form.get("seats"))
        token = form.get("purchase_token", "")
        if not TOKEN_PATTERN.fullmatch(token):
            raise FormError("This form is missing its purchase token: review the purchase again.")
        quoted_on = date.fromisoformat(form.get("on", ""))
    except (FormError, ValueError) as error:
        message = str(error) if isinstance(error, FormError) else "Review the purchase again."
        flash(message, "error")
        return redirect(url_for("admin.edit_seats", org=org))
    try:
        with transaction() as session:
            contract = contract_of(session, g.organization.id)
            today = today_for(contract)
            purchase = purchase_seats(
                session,
                g.organization,
                seats=seats,
                # The charge uses the quoted day, so it is the amount the owner reviewed;
                # a quote from another day is refused below unless it was already bought.
                on=quoted_on,
                at=now(),
                idempotency_key=f"form:{token}",
                max_seats=int(current_app.config["MAX_SEATS_PER_PURCHASE"]),
            )
            if not purchase.replayed and quoted_on != today:
                raise StaleQuote(quoted_on)
            invoice = purchase.invoice
            number, total = invoice.number, (invoice.total_minor, invoice.currency)
    except StaleQuote as stale:
        flash(
            f"That review was for {stale.on:%-d %b %Y}; the price changes with the date. "
            "Check the amount for today and click Update again.",
            "error",
        )
        return redirect(url_for("admin.seats_review", org=org, seats=seats))
    except (InvalidQuantity, PurchaseOutsideTerm, IdempotencyKeyReused) as error:
        flash(str(error), "error")
        return redirect(url_for("admin.edit_seats", org=org, seats=seats))
    except IdempotencyKeyInFlight:
        flash("This purchase is still being processed. Reload the page in a moment.", "error")
        return redirect(url_for("admin.billing", org=org))
    if purchase.replayed:
        flash(f"These seats were already bought: here is invoice {number}.", "info")
    else:
        flash(
            f"{plural(seats, 'seat')} added. Invoice {number} issued for {amount(*total)}.",
            "success",
        )
    return redirect(url_for("admin.invoice", org=org, number=number))


def _pending(organization_id: int) -> Select[tuple[SeatRequest]]:
    return select(SeatRequest).where(
        SeatRequest.organization_id == organization_id, SeatRequest.status == "pending"
    )
