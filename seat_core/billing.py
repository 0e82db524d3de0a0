"""Buying seats: quotes and charges from one proration, invoices issued at once."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from fractions import Fraction
from typing import Any

from sqlalchemy.orm import Session

from . import alerts, events
from .contracts import contract_of
from .errors import (
    InvalidQuantity,
    PurchaseOutsideTerm,
    SeatError,
)
from .fastpath import sync_contract
from .fastpath.contracts import ADD_SEATS, Bought
from .history import counts as history_counts
from .invoices import Seller, issue_invoice, seats_text, tax_on
from .licensing import admit_pending
from .models import Contract, IdempotencyKey, Invoice, InvoiceLine, Organization
from .purchase_keys import claim_key, request_hash
from .terms import Term, prorate

# A purchase larger than this is almost surely a typo; operators may lower it per app.
MAX_SEATS_PER_PURCHASE = 100_000


@dataclass(frozen=True)
class Quote:
    """What adding seats on a day costs, exactly as it would be invoiced."""

    seats: int
    unit_price_minor: int
    remaining_months: Fraction
    amount_minor: int
    currency: str
    term_start: date
    term_end: date
    on: date
    seats_purchased_before: int
    seats_purchased_after: int
    seats_in_use: int
    # Days in the anniversary month of the purchase, so its share reads as days.
    month_days: int
    # The organization's tax on the amount, and what the invoice will total.
    tax_rate_bp: int = 0
    tax_minor: int = 0
    total_minor: int = 0


class StaleQuote(SeatError):
    """A quote from another day: the price changes with the date, so it no longer holds."""

    def __init__(self, *, quoted_on: date, on: date) -> None:
        self.quoted_on, self.on = quoted_on, on
        super().__init__(
            f"That quote was for {quoted_on.isoformat()} and today is {on.isoformat()}: "
            "the price changes with the date, so quote the purchase again"
        )


@dataclass(frozen=True)
class Purchase:
    """The invoice of a purchase, and whether it replays an earlier one with the same key."""

    invoice: Invoice
    replayed: bool


def quote_purchase(
    session: Session,
    organization: Organization,
    *,
    seats: int,
    on: date,
    max_seats: int = MAX_SEATS_PER_PURCHASE,
) -> Quote:
    """Quote adding seats on a day, with the same arithmetic the charge uses.

    :raises InvalidQuantity: when seats is below 1 or above max_seats.
    :raises PurchaseOutsideTerm: when on is not inside the current term.
    """
    return _quote(
        contract_of(session, organization.id),
        seats=seats,
        on=on,
        max_seats=max_seats,
        tax_rate_bp=organization.tax_rate_bp,
    )


def _quote(contract: Contract, *, seats: int, on: date, max_seats: int, tax_rate_bp: int) -> Quote:
    if isinstance(seats, bool) or not isinstance(seats, int) or seats < 1:
        raise InvalidQuantity.said(
            "The number of seats to add must be a whole number of at least 1, not %(seats)s",
            seats=repr(seats),
        )
    if seats > max_seats:
        raise InvalidQuantity.said(
            "At most %(most)s seats can be added at once, not %(seats)s",
            most=max_seats,
            seats=seats,
        )
    if contract.status != "active":
        raise PurchaseOutsideTerm.said(
            "The contract ended on %(day)s: renew it before adding seats", day=contract.term_end
        )
    term = Term(contract.origin, contract.term_index)
    amount, months = prorate(
        seats=seats, price_per_seat_year_minor=contract.price_per_seat_year_minor, term=term, on=on
    )
    k = 0
    while term.month_start(k + 1) <= on:
        k += 1
    return Quote(
        seats=seats,
        unit_price_minor=contract.price_per_seat_year_minor,
        remaining_months=months,
        amount_minor=amount,
        currency=contract.currency,
        term_start=term.start,
        term_end=term.end,
        on=on,
        seats_purchased_before=contract.seats_purchased,
        seats_purchased_after=contract.seats_purchased + seats,
        seats_in_use=contract.seats_used,
        month_days=(term.month_start(k + 1) - term.month_start(k)).days,
        tax_rate_bp=tax_rate_bp,
        tax_minor=tax_on(amount, rate_bp=tax_rate_bp),
        total_minor=amount + tax_on(amount, rate_bp=tax_rate_bp),
    )


def purchase_seats(
    session: Session,
    organization: Organization,
    *,
    seats: int,
    on: date,
    at: datetime,
    quoted_on: date | None = None,
    idempotency_key: str | None = None,
    max_seats: int = MAX_SEATS_PER_PURCHASE,
    seller: Seller | None = None,
) -> Purchase:
    """Add seats at the contract's price on the day on and issue the prorated invoice at once.

    quoted_on is the day of the quote the buyer saw: a purchase replays its key's first
    result whatever the day, but a new purchase charges only a quote from that same day.

    :raises InvalidQuantity: when seats is below 1 or above max_seats.
    :raises PurchaseOutsideTerm: when on is not inside the current term.
    :raises StaleQuote: when quoted_on is another day than on and the key was not used.
    :raises IdempotencyKeyReused: when the key was used for a different purchase.
    :raises IdempotencyKeyInFlight: when the key's first purchase has not finished.
    """
    key_row: IdempotencyKey | None = None
    if idempotency_key is not None:
        claimed = claim_key(session, organization, idempotency_key, request_hash(seats), at=at)
        if isinstance(claimed, Invoice):
            return Purchase(invoice=claimed, replayed=True)
        key_row = claimed
    _refuse_stale(quoted_on, on)
    contract = contract_of(session, organization.id)
    quote = _quote(
        contract, seats=seats, on=on, max_seats=max_seats, tax_rate_bp=organization.tax_rate_bp
    )
    bought = _charge(session, contract, quote)
    invoice = _invoice(session, organization, contract, quote, bought, at=at, seller=seller)
    if key_row is not None:
        key_row.invoice_id = invoice.id
    return Purchase(invoice=invoice, replayed=False)


def purchase_and_admit(session: Session, organization: Organization, **purchase: Any) -> Purchase:
    """Buy seats (purchase_seats, same arguments), then admit the waiting members.

    Under licensed groups the new seats go to the members waiting for one, oldest first,
    in the purchase's transaction.
    """
    bought = purchase_seats(session, organization, **purchase)
    admit_pending(session, organization.id, at=purchase["at"])
    return bought


def _charge(session: Session, contract: Contract, quote: Quote) -> Bought:
    """Add the quoted seats to the contract, in the quoted term only.

    :raises PurchaseOutsideTerm: when a renewal moved the contract to a new term meanwhile.
    """
    bought = ADD_SEATS.first(
        session.connection(),
        {"p_contract_id": contract.id, "p_term_index": contract.term_index, "p_seats": quote.seats},
    )
    if bought is None:
        raise PurchaseOutsideTerm.said(
            "The contract was renewed meanwhile: quote the purchase again"
        )
    sync_contract(session, contract.id, bought.seats_used, seats_purchased=bought.seats_purchased)
    return bought


def _invoice(
    session: Session,
    organization: Organization,
    contract: Contract,
    quote: Quote,
    bought: Bought,
    *,
    at: datetime,
    seller: Seller | None,
) -> Invoice:
    """Issue a charged purchase's invoice, and log and announce the purchase."""
    invoice = issue_invoice(
        session,
        contract,
        kind="purchase",
        issued_on=quote.on,
        at=at,
        seats_purchased_after=bought.seats_purchased,
        seller=seller,
        line=InvoiceLine(
            description=f"{seats_text(quote.seats)} added, prorated",
            seats=quote.seats,
            period_start=quote.on,
            period_end=quote.term_end,
            remaining_months=_fraction_text(quote.remaining_months),
            unit_price_minor=quote.unit_price_minor,
            amount_minor=quote.amount_minor,
            month_days=quote.month_days,
        ),
    )
    events.record(
        session,
        organization.id,
        "seats.purchased",
        at=at,
        subject=invoice.number,
        data={
            "seats": quote.seats,
            # The counts of the usage history (history.py), seats_purchased among them.
            **history_counts(*bought, on=quote.on),
            "invoice_number": invoice.number,
            "amount_minor": invoice.total_minor,
            "currency": invoice.currency,
        },
    )
    alerts.seats_purchased(session, organization=organization, invoice=invoice, at=at)
    return invoice


def _refuse_stale(quoted_on: date | None, on: date) -> None:
    if quoted_on is not None and quoted_on != on:
        raise StaleQuote(quoted_on=quoted_on, on=on)


def _fraction_text(months: Fraction) -> str:
    return (
        str(months.numerator)
        if months.denominator == 1
        else f"{months.numerator}/{months.denominator}"
    )
