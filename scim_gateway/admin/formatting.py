"""Jinja filters for money, months, dates and counts on the admin pages."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from fractions import Fraction

from seat_core import format_money, format_months, format_months_and_days

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


def months_and_days(value: Fraction | str, month_days: int | None = None) -> str:
    """Format remaining months for people, like "9 months and 17 days"."""
    exact = Fraction(value) if isinstance(value, str) else value
    return format_months_and_days(exact, month_days=month_days)


def rate(basis_points: int) -> str:
    """Format a tax rate in basis points as a percentage, like "8.25 %" or "20 %"."""
    whole, rest = divmod(basis_points, 100)
    return f"{whole} %" if not rest else f"{whole}.{rest:02d}".rstrip("0") + " %"


def csv_cell(text: str) -> str:
    """Return text safe as a CSV cell: one starting with = + - @ gets a leading quote.

    Spreadsheets run such a cell as a formula (CSV injection).
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


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


for _filter in (amount, months, months_and_days, rate, plural, day, through):
    bp.add_app_template_filter(_filter)
