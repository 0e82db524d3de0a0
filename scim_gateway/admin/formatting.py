"""Jinja filters for money, months, dates and counts on the admin pages, in their language."""

from __future__ import annotations

from fractions import Fraction

from seat_core import format_months

from .. import i18n
from ..i18n import day, months_and_days, rate, through
from . import bp

amount = i18n.money

__all__ = ["amount", "csv_cell", "day", "months", "months_and_days", "rate", "through"]


def months(value: Fraction | str) -> str:
    """Format remaining months, given as a Fraction or as stored text like "17/31"."""
    return format_months(Fraction(value) if isinstance(value, str) else value)


def csv_cell(text: str) -> str:
    """Return text safe as a CSV cell: one starting with = + - @ gets a leading quote.

    Spreadsheets run such a cell as a formula (CSV injection).
    """
    return "'" + text if text[:1] in ("=", "+", "-", "@") else text


for _name, _filter in i18n.template_filters().items():
    bp.add_app_template_filter(_filter, _name)
