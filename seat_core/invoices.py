"""Invoices: issue them with tax, due date and both parties frozen; record their payment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal, InvalidOperation
from fractions import Fraction

from sqlalchemy import select
from sqlalchemy.orm import Session

from .db import moved_money
from .errors import SeatError
from .models import Contract, Invoice, InvoiceLine, Organization
from .terms import round_half_up
from .text import check_text

BASIS_POINTS = 10_000
DEFAULT_NET_DAYS = 30
# Lengths of the columns that hold them.
NAME_LENGTH, ADDRESS_LENGTH, TAX_ID_LENGTH = 200, 1000, 64


class InvoiceNotFound(SeatError):
    """No invoice with that number in the organization."""


class InvalidBillingDetails(SeatError):
    """A billing name, address, tax id or tax rate that cannot be stored."""


class InvalidPayment(SeatError):
    """A payment date an invoice cannot take."""


@dataclass(frozen=True)
class Seller:
    """Who issues the invoices, and how many days customers have to pay them."""

    name: str = ""
    address: str = ""
    tax_id: str = ""
    net_days: int = DEFAULT_NET_DAYS


def tax_on(subtotal_minor: int, *, rate_bp: int) -> int:
    """Return the tax on a subtotal at a rate in basis points, rounded once, half-up."""
    return round_half_up(Fraction(subtotal_minor * rate_bp, BASIS_POINTS))


def parse_tax_rate(text: str) -> int:
    """Parse a percentage like "20", "8.25" or "8.25 %" into basis points.

    :raises InvalidBillingDetails: for anything but 0 to 100 with at most two decimals.
    """
    cleaned = str(text).strip().removesuffix("%").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise InvalidBillingDetails(
            f"{text!r} is not a tax rate in percent, like 20 or 8.25"
        ) from None
    if not value.is_finite() or not 0 <= value <= 100:
        raise InvalidBillingDetails(f"The tax rate must be between 0 and 100 %, not {text!r}")
    scaled = value * 100
    if scaled != scaled.to_integral_value():
        raise InvalidBillingDetails(f"The tax rate takes at most two decimals, not {text!r}")
    return int(scaled)


def issue_invoice(
    session: Session,
    contract: Contract,
    *,
    kind: str,
    issued_on: date,
    at: datetime,
    seats_purchased_after: int,
    line: InvoiceLine,
    seller: Seller | None = None,
) -> Invoice:
    """Issue an invoice of one line, with the organization's tax and both parties copied."""
    seller = seller or Seller()
    organization = session.get_one(Organization, contract.organization_id)
    subtotal = line.amount_minor
    tax = tax_on(subtotal, rate_bp=organization.tax_rate_bp)
    invoice = Invoice(
        organization_id=contract.organization_id,
        contract_id=contract.id,
        kind=kind,
        term_index=contract.term_index,
        issued_on=issued_on,
        due_on=issued_on + timedelta(days=seller.net_days),
        currency=contract.currency,
        subtotal_minor=subtotal,
        tax_rate_bp=organization.tax_rate_bp,
        tax_minor=tax,
        total_minor=subtotal + tax,
        seats_purchased_after=seats_purchased_after,
        created_at=at,
        seller_name=seller.name,
        seller_address=seller.address,
        seller_tax_id=seller.tax_id,
        customer_name=organization.billing_name or organization.name,
        customer_address=organization.billing_address,
        customer_tax_id=organization.billing_tax_id,
        language=organization.language,
    )
    invoice.lines.append(line)
    session.add(invoice)
    moved_money(session)
    session.flush()
    # Numbers follow the row id: unique without a counter to race on, and global to the
    # gateway rather than per organization (docs/invoices.md).
    invoice.number = f"INV-{invoice.id:06d}"
    session.flush()
    return invoice


def get_invoice(session: Session, organization_id: int, number: str) -> Invoice:
    """Return the organization's invoice with that number.

    :raises InvoiceNotFound: when the organization has no such invoice.
    """
    invoice = session.scalars(
        select(Invoice).where(Invoice.organization_id == organization_id, Invoice.number == number)
    ).first()
    if invoice is None:
        raise InvoiceNotFound(f"No invoice {number[:40]!r} in this organization")
    return invoice


def mark_invoice_paid(session: Session, organization_id: int, number: str, *, on: date) -> Invoice:
    """Record that the invoice was paid on a day; marking it again moves the day.

    :raises InvoiceNotFound: when the organization has no such invoice.
    :raises InvalidPayment: when the day lies before the invoice was issued.
    """
    invoice = get_invoice(session, organization_id, number)
    if on < invoice.issued_on:
        raise InvalidPayment(
            f"Invoice {invoice.number} was issued on {invoice.issued_on.isoformat()}: "
            f"it cannot have been paid on {on.isoformat()}"
        )
    invoice.paid_on = on
    moved_money(session)
    session.flush()
    return invoice


def mark_invoice_due(session: Session, organization_id: int, number: str) -> Invoice:
    """Clear a payment recorded by mistake: the invoice is due again.

    :raises InvoiceNotFound: when the organization has no such invoice.
    """
    invoice = get_invoice(session, organization_id, number)
    invoice.paid_on = None
    moved_money(session)
    session.flush()
    return invoice


def set_billing_details(
    session: Session, organization: Organization, *, name: str, address: str, tax_id: str
) -> Organization:
    """Set the name, postal address and tax id that the organization's next invoices carry.

    Issued invoices keep the details they were issued with.

    :raises InvalidBillingDetails: for text too long, or a name or tax id on several lines.
    """
    name, tax_id = _line(name, "billing name", NAME_LENGTH), _line(tax_id, "tax id", TAX_ID_LENGTH)
    address = "\n".join(
        line.strip() for line in str(address).replace("\r\n", "\n").strip().split("\n")
    )
    _fits(address, "billing address", ADDRESS_LENGTH)
    organization.billing_name, organization.billing_address = name, address
    organization.billing_tax_id = tax_id
    session.flush()
    return organization


def set_tax_rate(session: Session, organization: Organization, *, rate_bp: int) -> Organization:
    """Set the tax rate, in basis points, that the organization's next invoices charge.

    :raises InvalidBillingDetails: for a rate that is not a whole number from 0 to 10000.
    """
    if isinstance(rate_bp, bool) or not isinstance(rate_bp, int):
        raise InvalidBillingDetails(f"The tax rate must be whole basis points, not {rate_bp!r}")
    if not 0 <= rate_bp <= BASIS_POINTS:
        raise InvalidBillingDetails(
            f"The tax rate must be between 0 and {BASIS_POINTS} basis points, not {rate_bp}"
        )
    organization.tax_rate_bp = rate_bp
    session.flush()
    return organization


def seats_text(count: int) -> str:
    """Return "1 seat" or "N seats", as invoice lines read."""
    return f"{count} seat" if count == 1 else f"{count} seats"


def _line(text: str, what: str, length: int) -> str:
    text = str(text).strip()
    if re.search(r"[\r\n]", text):
        raise InvalidBillingDetails(f"The {what} must fit on one line")
    return _fits(text, what, length)


def _fits(text: str, what: str, length: int) -> str:
    check_text(text, what=f"the {what}")
    if len(text) > length:
        raise InvalidBillingDetails(f"The {what} may have at most {length} characters")
    return text
