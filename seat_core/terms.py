"""Contract terms and proration: pure functions of dates and money, no clock, no database."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from .errors import InvalidContract, InvalidMoney, InvalidQuantity, PurchaseOutsideTerm

MONTHS_PER_TERM = 12

# ISO 4217 currencies whose minor unit is not the usual hundredth.
_MINOR_DIGITS = {
    **dict.fromkeys(
        [
            "BIF",
            "CLP",
            "DJF",
            "GNF",
            "ISK",
            "JPY",
            "KMF",
            "KRW",
            "PYG",
            "RWF",
            "UGX",
            "UYI",
            "VND",
            "VUV",
            "XAF",
            "XOF",
            "XPF",
        ],
        0,
    ),
    **dict.fromkeys(["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"], 3),
}
_CURRENCY = re.compile(r"^[A-Z]{3}$")


def anniv(start: date, months: int) -> date:
    """Shift start by whole calendar months, clamping the day to the month's last day."""
    index = start.month - 1 + months
    year, month = start.year + index // 12, index % 12 + 1
    return date(year, month, min(start.day, calendar.monthrange(year, month)[1]))


@dataclass(frozen=True)
class Term:
    """One yearly term `[start, end)` of a contract that began on `origin`."""

    origin: date
    index: int = 0

    @property
    def start(self) -> date:
        return anniv(self.origin, MONTHS_PER_TERM * self.index)

    @property
    def end(self) -> date:
        return anniv(self.origin, MONTHS_PER_TERM * (self.index + 1))

    def month_start(self, k: int) -> date:
        """Return the k-th anniversary inside this term, always computed from the origin."""
        return anniv(self.origin, MONTHS_PER_TERM * self.index + k)

    def covers(self, on: date) -> bool:
        return self.start <= on < self.end

    def next(self) -> Term:
        return Term(self.origin, self.index + 1)


def term_on(origin: date, on: date) -> Term:
    """Return the term of a contract begun on origin that covers the date on.

    :raises InvalidContract: when on lies before the origin.
    """
    if on < origin:
        raise InvalidContract(f"{on.isoformat()} is before the contract start {origin}")
    index = max(0, (on.year - origin.year) - 1)
    term = Term(origin, index)
    while not term.covers(on):
        term = term.next()
    return term


def remaining_months(term: Term, *, on: date) -> Fraction:
    """Return the months of the term left on a purchase day, the purchase day included.

    Whole anniversary months after the current one, plus the current one's share of days.

    :raises PurchaseOutsideTerm: when on is not inside the term.
    """
    if not term.covers(on):
        if on >= term.end:
            raise PurchaseOutsideTerm(
                f"{on.isoformat()} is on or after the term end {term.end.isoformat()}: "
                "seats for it belong to the renewal"
            )
        raise PurchaseOutsideTerm(
            f"{on.isoformat()} is before the term start {term.start.isoformat()}"
        )
    k = 0
    while term.month_start(k + 1) <= on:
        k += 1
    month_begin, month_end = term.month_start(k), term.month_start(k + 1)
    partial = Fraction((month_end - on).days, (month_end - month_begin).days)
    return (MONTHS_PER_TERM - 1 - k) + partial


def minor_digits(currency: str) -> int:
    """Return how many decimal digits the currency's minor unit has.

    :raises InvalidMoney: for a code that is not three capital letters.
    """
    if not _CURRENCY.match(currency):
        raise InvalidMoney(f"{currency!r} is not an ISO 4217 currency code (like USD)")
    return _MINOR_DIGITS.get(currency, 2)


def round_half_up(value: Fraction) -> int:
    """Round a non-negative exact value to an integer, halves away from zero."""
    if value < 0:
        return -round_half_up(-value)
    return int(value + Fraction(1, 2))


def prorate(
    *, seats: int, price_per_seat_year_minor: int, term: Term, on: date
) -> tuple[int, Fraction]:
    """Return (amount in minor units, remaining months) for seats bought on a day.

    The amount is exact until one final half-up rounding to the minor unit.

    :raises InvalidQuantity: when seats is below 1.
    :raises PurchaseOutsideTerm: when on is not inside the term.
    """
    if seats < 1:
        raise InvalidQuantity(f"The number of seats to add must be at least 1, not {seats}")
    months = remaining_months(term, on=on)
    exact = Fraction(seats * price_per_seat_year_minor) * months / MONTHS_PER_TERM
    return round_half_up(exact), months


def parse_money(text: str, currency: str) -> int:
    """Parse an amount like "360.00" into integer minor units of the currency.

    :raises InvalidMoney: for text that is not a non-negative amount in that currency.
    """
    digits = minor_digits(currency)
    try:
        value = Decimal(text.strip())
    except (InvalidOperation, AttributeError):
        raise InvalidMoney(f"{text!r} is not an amount of money") from None
    if not value.is_finite() or value < 0:
        raise InvalidMoney(f"{text!r} is not a non-negative amount of money")
    scaled = value.scaleb(digits)
    if scaled != scaled.to_integral_value():
        raise InvalidMoney(f"{text!r} has more than {digits} decimals for {currency}")
    return int(scaled)


def format_money(minor: int, currency: str) -> str:
    """Format integer minor units as a plain decimal string, like "1500.00"."""
    digits = minor_digits(currency)
    if digits == 0:
        return str(minor)
    sign = "-" if minor < 0 else ""
    whole, frac = divmod(abs(minor), 10**digits)
    return f"{sign}{whole}.{frac:0{digits}d}"


def format_months(months: Fraction) -> str:
    """Format remaining months as a whole number or a mixed fraction, like "9 17/31"."""
    whole, rest = divmod(months.numerator, months.denominator)
    if rest == 0:
        return str(whole)
    fraction = f"{rest}/{months.denominator}"
    return f"{whole} {fraction}" if whole else fraction


@dataclass(frozen=True)
class MonthsAndDays:
    """Remaining months as people count them: whole months, then days or a share of one."""

    months: int
    # The rest in days when its month's length is known, else None and the share stands.
    days: int | None
    share: Fraction


def split_months(months: Fraction, *, month_days: int | None = None) -> MonthsAndDays:
    """Split remaining months into whole months and the rest, in days where it can be told.

    The share of a month is days(on → next anniversary) / days in that anniversary month,
    so month_days turns it back into days. Without it the month's length is inferred from
    the denominator when only one length of 28 to 31 days fits (1/2 does not: 14/28 or
    15/30), else the share is left as a fraction of a month.
    """
    whole, rest = divmod(months.numerator, months.denominator)
    share = Fraction(rest, months.denominator)
    if not rest:
        return MonthsAndDays(whole, None, share)
    fits = [n for n in range(28, 32) if n % share.denominator == 0]
    lengths = [month_days] if month_days else fits
    if len(lengths) == 1 and (share * lengths[0]).denominator == 1:
        return MonthsAndDays(whole, int(share * lengths[0]), share)
    return MonthsAndDays(whole, None, share)


def local_date(at: datetime, timezone: str) -> date:
    """Return the calendar date of an aware instant in a billing time zone.

    :raises InvalidContract: for an unknown time zone.
    """
    return at.astimezone(zone(timezone)).date()


def zone(timezone: str) -> ZoneInfo:
    """Return the time zone of that IANA name.

    :raises InvalidContract: for an unknown time zone.
    """
    try:
        return ZoneInfo(timezone)
    except (ZoneInfoNotFoundError, ValueError):
        raise InvalidContract(
            f"{timezone!r} is not a known time zone (like Europe/Paris)"
        ) from None
