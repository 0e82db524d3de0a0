"""JSON shapes of the API's resources; the OpenAPI document describes the same shapes."""

from __future__ import annotations

from fractions import Fraction
from typing import Any

from seat_core import Quote, Usage, format_money, format_months
from seat_core.models import Contract, Invoice, SeatRequest


def money(minor: int, currency: str) -> dict[str, Any]:
    """Return an amount as exact minor units, a decimal string and its currency."""
    return {"minor": minor, "decimal": format_money(minor, currency), "currency": currency}


def months(value: Fraction) -> dict[str, Any]:
    """Return remaining months exactly, as a fraction and as text like "9 17/31"."""
    return {
        "numerator": value.numerator,
        "denominator": value.denominator,
        "text": format_months(value),
    }


def seats_json(
    slug: str, usage: Usage, contract: Contract, renewal: tuple[Any, int, int]
) -> dict[str, Any]:
    """Return the seats of an organization's current term."""
    renews_on, renew_seats, renew_minor = renewal
    return {
        "organization": slug,
        "seats_purchased": usage.seats_purchased,
        "seats_in_use": usage.seats_in_use,
        "seats_free": usage.seats_free,
        "pending_requests": usage.pending_requests,
        "status": usage.status,
        "term": {"start": usage.term_start.isoformat(), "end": usage.term_end.isoformat()},
        "price_per_seat_year": money(contract.price_per_seat_year_minor, contract.currency),
        "auto_renew": contract.auto_renew,
        "renewal": {
            "on": renews_on.isoformat(),
            "seats": renew_seats,
            "amount": money(renew_minor, contract.currency),
        }
        if contract.auto_renew
        else None,
    }


def quote_json(quote: Quote) -> dict[str, Any]:
    """Return a quote: what adding seats today costs, exactly as it would be invoiced."""
    return {
        "seats": quote.seats,
        "on": quote.on.isoformat(),
        "unit_price": money(quote.unit_price_minor, quote.currency),
        "remaining_months": months(quote.remaining_months),
        "amount": money(quote.amount_minor, quote.currency),
        # The organization's tax on the amount, and what the invoice will total.
        "tax_rate_bp": quote.tax_rate_bp,
        "tax": money(quote.tax_minor, quote.currency),
        "total": money(quote.total_minor, quote.currency),
        "term": {"start": quote.term_start.isoformat(), "end": quote.term_end.isoformat()},
        "seats_purchased_before": quote.seats_purchased_before,
        "seats_purchased_after": quote.seats_purchased_after,
    }


def invoice_json(invoice: Invoice) -> dict[str, Any]:
    """Return an invoice with its lines."""
    currency = invoice.currency
    return {
        "number": invoice.number,
        "kind": invoice.kind,
        "issued_on": invoice.issued_on.isoformat(),
        "total": money(invoice.total_minor, currency),
        "seats_purchased_after": invoice.seats_purchased_after,
        "lines": [
            {
                "description": line.description,
                "seats": line.seats,
                "period": {
                    "start": line.period_start.isoformat(),
                    "end": line.period_end.isoformat(),
                },
                "remaining_months": months(Fraction(line.remaining_months)),
                "unit_price": money(line.unit_price_minor, currency),
                "amount": money(line.amount_minor, currency),
            }
            for line in invoice.lines
        ],
    }


def seat_request_json(row: SeatRequest) -> dict[str, Any]:
    """Return a seat request."""
    return {
        "id": row.id,
        "channel": row.channel,
        "identity": row.identity,
        "display_name": row.display_name,
        "email": row.email,
        "member_id": row.member_id,
        "status": row.status,
        "attempts": row.attempts,
        "first_attempt_at": row.first_seen_at.isoformat(),
        "last_attempt_at": row.last_seen_at.isoformat(),
    }
