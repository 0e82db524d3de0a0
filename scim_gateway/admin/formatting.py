"""Jinja filters for money, months, dates and counts on the admin pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

from seat_core import format_money, format_months

from . import bp


def amount(minor: int, currency: str) -> str:
    """Format minor units for people, like "1,500.00 USD"."""
    plain = format_money(minor, currency)
    sign = "-" if plain.startswith("-") else ""
    whole, dot, frac = plain.lstrip("-").partition(".")
    return f"{sign}{int(whole):,}{dot}{frac} {currency}"


def months(value: Fraction | str) -> str:
    """Format remaining months, given as a Fraction or as stored text like "17/31"."""
    return format_months(Fraction(value) if isinstance(value, str) else value)


def plural(count: int, singular: str, plural_form: str | None = None) -> str:
    """Return "1 seat" or "5 seats"."""
    return f"{count} {singular if count == 1 else (plural_form or singular + 's')}"


def day(value: date | datetime | None) -> str:
    """Format a date like "1 Mar 2025"; an instant is shown in UTC with its time."""
    if value is None:
        return "—"
    if isinstance(value, datetime):
        return f"{value:%-d %b %Y %H:%M} UTC"
    return f"{value:%-d %b %Y}"


def through(end: date) -> str:
    """Format the exclusive end of a term or period as its last day, like "31 Oct 2027"."""
    return day(end - timedelta(days=1))


for _filter in (amount, months, plural, day, through):
    bp.add_app_template_filter(_filter)
