"""How commands print: aligned lines for a person, one JSON object for a program."""

from __future__ import annotations

import json
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

import click

from seat_core import Forecast, contract_of, format_money, format_months
from seat_core.forecast import MIN_HISTORY_DAYS
from seat_core.models import Invoice, Organization

from ..i18n import in_language
from ..i18n import pace as i18n_pace

# Fields a person reads under another name, or not at all (a program's exact form).
LABELS = {"tax_rate_bp": "tax rate", "remaining_months_fraction": None, "id": "invoice id"}


def emit(data: dict[str, Any], as_json: bool) -> None:
    """Print data as one JSON object, or as aligned lines for a person."""
    if as_json:
        click.echo(json.dumps(data, default=str))
        return
    lines = human_lines(data)
    width = max(len(label) for label, _ in lines)
    for label, text in lines:
        click.echo(f"{label:<{width}}  {text}".rstrip())


def human_lines(data: dict[str, Any]) -> list[tuple[str, str]]:
    """Turn a command's data into (label, text) lines a person reads, terms as the pages do."""
    lines: list[tuple[str, str]] = []
    for key, value in data.items():
        if key == "term_end" and "term_start" in data:
            continue
        if key == "term_start" and "term_end" in data:
            lines.append(("term", term_text(data["term_start"], data["term_end"])))
            continue
        label = LABELS.get(key, key.replace("_", " "))
        if label is not None:
            lines.append((label, tax_rate_text(value) if key == "tax_rate_bp" else text(value)))
    return lines


def text(value: Any) -> str:
    """Say one value for a person: no Python reprs."""
    if value is None or value == "":
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (list, tuple)):
        return ", ".join(text(item) for item in value) or "none"
    return str(value)


def term_text(start: Any, end: Any) -> str:
    """Say a term from its first to its last day (the stored end is the next term's start)."""
    last = date.fromisoformat(str(end)) - timedelta(days=1)
    return f"{start} to {last.isoformat()}"


def tax_rate_text(basis_points: Any) -> str:
    """Say a tax rate in basis points as a percentage, like "20 %" or "8.25 %"."""
    if basis_points is None:
        return "none"
    return f"{int(basis_points) / 100:g} %"


def table(rows: list[dict[str, Any]], columns: dict[str, str], empty: str) -> None:
    """Print rows as a table with a header, each column as wide as its widest cell."""
    if not rows:
        click.echo(empty)
        return
    cells = [list(columns.values())] + [[text(row[key]) for key in columns] for row in rows]
    widths = [max(len(line[index]) for line in cells) for index in range(len(columns))]
    for line in cells:
        padded = (cell.ljust(width) for cell, width in zip(line, widths, strict=True))
        click.echo("  ".join(padded).rstrip())


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
        "language": organization.language,
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
    # The command line speaks English; the pace is written as the pages write it in English
    # (%+g turned a fast pace into "+1.23457e+06").
    with in_language("en"):
        pace = i18n_pace(forecast.seats_per_30_days)
    if forecast.basis == "runs_out":
        amount = format_money(forecast.recommended_amount_minor, forecast.currency)
        return (
            f"runs out on {forecast.runs_out_on} at {pace}; adding {forecast.recommended_add} "
            f"lasts the term for {amount} {forecast.currency}"
        )
    return {
        "not_enough_history": (
            f"not enough history yet ({_days(forecast.history_days)} of {MIN_HISTORY_DAYS})"
        ),
        "not_growing": f"no run-out date ({pace})",
        "lasts_the_term": f"seats last the term ({pace})",
    }.get(forecast.basis, "no forecast: the term has ended")


def _days(count: int) -> str:
    return f"{count} day" if count == 1 else f"{count} days"
