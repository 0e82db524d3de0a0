"""How commands print: aligned lines for a person, one JSON object for a program."""

from __future__ import annotations

import json
from fractions import Fraction
from typing import Any

import click

from seat_core import Forecast, contract_of, format_money, format_months
from seat_core.models import Invoice, Organization


def emit(data: dict[str, Any], as_json: bool) -> None:
    """Print data as one JSON object, or as aligned lines for a person."""
    if as_json:
        click.echo(json.dumps(data, default=str))
        return
    width = max(len(key) for key in data)
    for key, value in data.items():
        click.echo(f"{key.replace('_', ' '):<{width}}  {value}")


def contract_summary(session: Any, organization: Organization) -> dict[str, Any]:
    """Describe an organization's contract for the command line."""
    contract = contract_of(session, organization.id)
    return {
        "slug": organization.slug,
        "name": organization.name,
        "seats_purchased": contract.seats_purchased,
        "price_per_seat_year": format_money(contract.price_per_seat_year_minor, contract.currency),
        "currency": contract.currency,
        "term_start": contract.term_start.isoformat(),
        "term_end": contract.term_end.isoformat(),
        "timezone": contract.timezone,
        "auto_renew": contract.auto_renew,
        "min_seats": contract.min_seats,
    }


def invoice_summary(invoice: Invoice) -> dict[str, Any]:
    """Describe an invoice for the command line."""
    return {
        "id": invoice.id,
        "number": invoice.number,
        "kind": invoice.kind,
        "amount": format_money(invoice.total_minor, invoice.currency),
        "currency": invoice.currency,
        "seats": sum(line.seats for line in invoice.lines),
        "remaining_months": [
            format_months(Fraction(line.remaining_months)) for line in invoice.lines
        ],
        "issued_on": invoice.issued_on.isoformat(),
        "seats_purchased": invoice.seats_purchased_after,
    }


def emit_new_token(secret: str, token_id: int, expires_at: Any, as_json: bool) -> None:
    """Print a token issued just now: its secret alone, or JSON with its id and expiry."""
    if as_json:
        expiry = expires_at.isoformat() if expires_at else None
        click.echo(json.dumps({"token": secret, "id": token_id, "expires_at": expiry}))
    else:
        click.echo(secret)


def forecast_text(forecast: Forecast) -> str:
    """Say a seat forecast in one line for a person."""
    pace = f"{forecast.seats_per_30_days:+g} seats per 30 days"
    if forecast.basis == "runs_out":
        amount = format_money(forecast.recommended_amount_minor, forecast.currency)
        return (
            f"runs out on {forecast.runs_out_on} at {pace}; adding {forecast.recommended_add} "
            f"lasts to {forecast.term_end} for {amount} {forecast.currency}"
        )
    return {
        "not_enough_history": f"not enough history ({forecast.history_days} days)",
        "not_growing": f"no run-out date ({pace})",
        "lasts_the_term": f"seats last the term ({pace})",
    }.get(forecast.basis, "no forecast: the term has ended")
