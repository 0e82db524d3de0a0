"""Languages: which one a request speaks, and money, dates and durations in it.

English and Spanish. A signed-in owner's own choice comes first; otherwise the browser's
``Accept-Language`` picks between the supported languages, falling back to the
organization's language, then English. Mails and invoices are written in the
organization's language (an invoice keeps the one it was issued in): they run inside
:func:`in_language`.

Formatting is Babel's, per locale; amounts never change, only how they are written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any

from babel import Locale
from babel.dates import format_date
from babel.numbers import format_currency, format_decimal
from flask import Flask, g, has_request_context, request
from flask_babel import Babel, force_locale, get_locale, ngettext, refresh
from flask_babel import gettext as _

from seat_core.terms import minor_digits, split_months

LANGUAGES = ("en", "es")
DEFAULT = "en"
NAMES = {"en": "English", "es": "Español"}

# English keeps the form the pages always had ("1,775.81 USD"); other languages use their
# locale's own pattern ("1775,81 US$").
_MONEY_PATTERNS = {"en": "#,##0.00 ¤¤"}
# CLDR's minimumGroupingDigits, which Babel does not apply: Spanish writes 1775,81 but
# 12.775,81 (a group separator only from five integer digits).
_MIN_GROUPING_DIGITS = {"es": 2}
# Dates: English keeps "1 Mar 2026"; Spanish writes "1 de marzo de 2026".
_DATE_PATTERNS = {"en": "d MMM y", "es": "long"}

babel = Babel()


def init_app(app: Flask) -> None:
    """Install Flask-Babel with the gateway's locale selector and catalogs."""
    app.config.setdefault("BABEL_DEFAULT_LOCALE", DEFAULT)
    babel.init_app(app, locale_selector=select_locale)
    # {% trans %} blocks are written across lines; their msgids are not.
    app.jinja_env.policies["ext.i18n.trimmed"] = True
    app.jinja_env.globals.update(language=language, language_names=NAMES, languages=LANGUAGES)


def supported(value: str | None) -> str | None:
    """Return value when it names a supported language ("es", "es-MX" → "es"), else None."""
    if not value:
        return None
    primary = value.strip().replace("_", "-").split("-", 1)[0].lower()
    return primary if primary in LANGUAGES else None


def select_locale() -> str:
    """Pick the request's language: the owner's choice, the browser's, the organization's."""
    chosen = supported(g.get("owner_language"))
    if chosen:
        return chosen
    if has_request_context():
        best = request.accept_languages.best_match(LANGUAGES)
        if best:
            return best
    return supported(g.get("organization_language")) or DEFAULT


def for_organization(organization_language: str | None, owner_language: str | None = None) -> None:
    """Tell the selector whose request this is, once the organization (and owner) is known."""
    g.organization_language = organization_language
    g.owner_language = owner_language
    refresh()


@contextmanager
def in_language(value: str | None) -> Iterator[None]:
    """Run the block in that language (an organization's, an invoice's), not the request's."""
    with force_locale(supported(value) or DEFAULT):
        yield


def language() -> str:
    """Return the language being spoken: "en" or "es"."""
    locale = get_locale()
    return (supported(str(locale)) if locale is not None else None) or DEFAULT


def _locale() -> Locale:
    return Locale.parse(language())


def money(minor: int, currency: str) -> str:
    """Write integer minor units of a currency, like "1,775.81 USD" or "1775,81 US$"."""
    digits = minor_digits(currency)
    value = Decimal(minor).scaleb(-digits)
    return money_of(value, currency)


def money_of(value: Decimal | str, currency: str) -> str:
    """Write an amount given in major units (a Decimal or text like "1775.81")."""
    amount = Decimal(value)
    return format_currency(
        amount,
        currency,
        format=_MONEY_PATTERNS.get(language()),
        locale=_locale(),
        currency_digits=True,
        group_separator=_grouped(amount),
    )


def number(value: int | Decimal) -> str:
    """Write a number with the language's separators."""
    return format_decimal(value, locale=_locale(), group_separator=_grouped(value))


def _grouped(value: int | Decimal) -> bool:
    """Whether the language groups the digits of value (CLDR's minimumGroupingDigits)."""
    return abs(value) >= 10 ** (2 + _MIN_GROUPING_DIGITS.get(language(), 1))


def day(value: date | datetime | None) -> str:
    """Write a date ("1 Mar 2026", "1 de marzo de 2026"); an instant in UTC with its time."""
    if value is None:
        return "—"
    pattern = _DATE_PATTERNS.get(language(), "medium")
    if isinstance(value, datetime):
        written = format_date(value.date(), pattern, locale=_locale())
        return _("%(day)s %(time)s UTC", day=written, time=value.strftime("%H:%M"))
    return format_date(value, pattern, locale=_locale())


def through(end: date) -> str:
    """Write the exclusive end of a term or period as its last day."""
    return day(end - timedelta(days=1))


def months_and_days(value: Fraction | str, month_days: int | None = None) -> str:
    """Write remaining months in words: "9 months and 17 days", "11 meses y 14 días".

    How the rest of a month is told, in days or as a share, is seat_core.split_months's.
    """
    split = split_months(
        Fraction(value) if isinstance(value, str) else value, month_days=month_days
    )
    parts = [ngettext("%(num)d month", "%(num)d months", split.months)] if split.months else []
    if split.days is not None:
        parts.append(ngettext("%(num)d day", "%(num)d days", split.days))
    elif split.share:
        parts.append(_("%(share)s of a month", share=str(split.share)))
    if not parts:
        return ngettext("%(num)d month", "%(num)d months", 0)
    if len(parts) == 1:
        return parts[0]
    return _("%(months)s and %(days)s", months=parts[0], days=parts[1])


def rate(basis_points: int) -> str:
    """Write a tax rate in basis points as a percentage, like "8.25 %" or "8,25 %"."""
    return format_decimal(Decimal(basis_points).scaleb(-2), locale=_locale()) + " %"


def pace(seats_per_30_days: float) -> str:
    """Write a pace of growth with its sign: "+3.5 seats per 30 days", "+3,5 asientos..."."""
    value = Decimal(repr(seats_per_30_days))
    signed = format_decimal(
        value, format="+#,##0.###;-#,##0.###", locale=_locale(), group_separator=_grouped(value)
    )
    return _("%(pace)s seats per 30 days", pace=signed)


def template_filters() -> dict[str, Any]:
    """The Jinja filters that format for people in the request's language."""
    return {
        "amount": money,
        "day": day,
        "through": through,
        "months_and_days": months_and_days,
        "rate": rate,
        "number": number,
        "pace": pace,
    }
