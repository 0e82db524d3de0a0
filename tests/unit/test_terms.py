"""Terms and proration: the vectors of docs/rules.md, Proration and properties over any date."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seat_core import (
    InvalidMoney,
    InvalidQuantity,
    MonthsAndDays,
    PurchaseOutsideTerm,
    Term,
    anniv,
    format_money,
    format_months,
    parse_money,
    prorate,
    remaining_months,
    round_half_up,
    split_months,
    term_on,
)

TERM_2025 = Term(date(2025, 1, 1))
TERM_JAN_31 = Term(date(2025, 1, 31))


def test_anniversaries_are_computed_from_the_original_start_never_chained():
    start = date(2025, 1, 31)

    assert [anniv(start, k) for k in range(4)] == [
        date(2025, 1, 31),
        date(2025, 2, 28),
        date(2025, 3, 31),
        date(2025, 4, 30),
    ]


def test_anniversaries_clamp_to_the_29th_of_february_in_leap_years():
    assert anniv(date(2023, 2, 28), 12) == date(2024, 2, 28)
    assert anniv(date(2024, 2, 29), 12) == date(2025, 2, 28)
    assert anniv(date(2024, 2, 29), 48) == date(2028, 2, 29)


def test_a_term_ends_twelve_anniversary_months_after_it_starts():
    assert (TERM_2025.start, TERM_2025.end) == (date(2025, 1, 1), date(2026, 1, 1))
    assert TERM_JAN_31.next().start == date(2026, 1, 31)
    assert Term(date(2024, 2, 29), 1).end == date(2026, 2, 28)


@pytest.mark.parametrize(
    ("term", "on", "seats", "price_minor", "months", "amount_minor"),
    [
        (TERM_2025, date(2025, 3, 1), 5, 36000, Fraction(10), 150000),
        (TERM_2025, date(2025, 1, 1), 3, 36000, Fraction(12), 108000),
        (TERM_2025, date(2025, 3, 15), 5, 36000, 9 + Fraction(17, 31), 143226),
        (TERM_2025, date(2025, 12, 31), 5, 36000, Fraction(1, 31), 484),
        (TERM_JAN_31, date(2025, 2, 28), 1, 36000, Fraction(11), 33000),
        (TERM_JAN_31, date(2025, 3, 1), 1, 36000, 10 + Fraction(30, 31), 32903),
        # Half-up: 12.03 * 10 / 12 = 10.025 → 10.03 (half-even would give 10.02).
        (TERM_2025, date(2025, 3, 1), 1, 1203, Fraction(10), 1003),
    ],
)
def test_prorates_the_design_vectors(term, on, seats, price_minor, months, amount_minor):
    amount, remaining = prorate(
        seats=seats, price_per_seat_year_minor=price_minor, term=term, on=on
    )

    assert remaining == months
    assert amount == amount_minor


def test_refuses_a_purchase_on_the_term_end_because_it_belongs_to_the_renewal():
    with pytest.raises(PurchaseOutsideTerm, match="renewal"):
        prorate(seats=1, price_per_seat_year_minor=36000, term=TERM_2025, on=date(2026, 1, 1))


def test_refuses_a_purchase_before_the_term_starts():
    with pytest.raises(PurchaseOutsideTerm):
        remaining_months(TERM_2025, on=date(2024, 12, 31))


@pytest.mark.parametrize("seats", [0, -1])
def test_refuses_fewer_than_one_seat(seats):
    with pytest.raises(InvalidQuantity):
        prorate(seats=seats, price_per_seat_year_minor=36000, term=TERM_2025, on=date(2025, 3, 1))


def test_rounds_halves_up_not_to_even():
    assert round_half_up(Fraction(5, 2)) == 3
    assert round_half_up(Fraction(3, 2)) == 2
    assert round_half_up(Fraction(249, 100)) == 2


def test_parses_and_formats_money_in_minor_units_of_the_currency():
    assert parse_money("360.00", "USD") == 36000
    assert parse_money("12.5", "EUR") == 1250
    assert parse_money("1000", "JPY") == 1000
    assert format_money(143226, "USD") == "1432.26"
    assert format_money(1000, "JPY") == "1000"
    assert format_money(1234, "KWD") == "1.234"


@pytest.mark.parametrize(
    ("text", "currency"),
    [
        ("12.345", "USD"),
        ("-1", "USD"),
        ("abc", "USD"),
        ("NaN", "USD"),
        ("1", "usd"),
        ("1.5", "JPY"),
    ],
)
def test_refuses_amounts_that_are_not_money_of_the_currency(text, currency):
    with pytest.raises(InvalidMoney):
        parse_money(text, currency)


def test_formats_remaining_months_as_a_mixed_fraction():
    assert format_months(Fraction(10)) == "10"
    assert format_months(9 + Fraction(17, 31)) == "9 17/31"
    assert format_months(Fraction(1, 31)) == "1/31"


def test_finds_the_term_covering_a_date_years_later():
    term = term_on(date(2025, 1, 31), date(2027, 1, 30))

    assert (term.index, term.start, term.end) == (1, date(2026, 1, 31), date(2027, 1, 31))


starts = st.dates(min_value=date(2000, 1, 1), max_value=date(2090, 12, 31))


@given(start=starts, offset=st.integers(min_value=0, max_value=364), step=st.integers(1, 40))
def test_remaining_months_never_increase_as_the_date_moves_on(start, offset, step):
    term = Term(start)
    earlier = start + timedelta(days=offset)
    later = earlier + timedelta(days=step)
    if not (term.covers(earlier) and term.covers(later)):
        return

    assert remaining_months(term, on=later) <= remaining_months(term, on=earlier)


@given(
    start=starts,
    cuts=st.lists(st.integers(min_value=1, max_value=364), max_size=8, unique=True),
    price_minor=st.integers(min_value=0, max_value=10_000_000),
)
def test_quotes_over_any_split_of_a_term_add_up_to_the_annual_price(start, cuts, price_minor):
    # One seat bought on each cut day and "sold back" on the next is the difference of two
    # quotes; over the whole term the pieces telescope to the annual price, each piece off
    # by at most half a minor unit of rounding.
    term = Term(start)
    days = sorted(
        {start} | {start + timedelta(days=c) for c in cuts if start + timedelta(days=c) < term.end}
    )
    exact = [Fraction(price_minor) * remaining_months(term, on=day) / 12 for day in days]
    pieces = [a - b for a, b in zip(exact, [*exact[1:], Fraction(0)], strict=True)]
    rounded = [round_half_up(piece) for piece in pieces]

    assert prorate(seats=1, price_per_seat_year_minor=price_minor, term=term, on=start)[0] == (
        price_minor
    )
    assert all(piece >= 0 for piece in pieces)
    assert sum(pieces) == price_minor
    assert abs(sum(rounded) - price_minor) <= len(pieces) / 2


@pytest.mark.parametrize(
    ("months", "month_days", "split"),
    [
        (Fraction(11) + Fraction(14, 31), None, MonthsAndDays(11, 14, Fraction(14, 31))),
        # 1/2 fits a month of 28 days and one of 30: only the month's own length tells.
        (Fraction(1, 2), None, MonthsAndDays(0, None, Fraction(1, 2))),
        (Fraction(1, 2), 30, MonthsAndDays(0, 15, Fraction(1, 2))),
        (Fraction(12), None, MonthsAndDays(12, None, Fraction(0))),
    ],
)
def test_remaining_months_split_into_whole_months_and_days_where_they_can_be_told(
    months, month_days, split
):
    assert split_months(months, month_days=month_days) == split
