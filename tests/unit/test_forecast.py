"""The forecast's method on synthetic histories: growth, a spike, flat, falling, too short."""

from datetime import date, timedelta
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from seat_core.forecast import (
    LASTS_THE_TERM,
    MIN_HISTORY_DAYS,
    NOT_ENOUGH_HISTORY,
    NOT_GROWING,
    RUNS_OUT,
    daily_peaks,
    project,
    recommended_seats,
    theil_sen,
)

TODAY = date(2025, 6, 1)
TERM_END = date(2026, 1, 1)


def trend_of(peaks, *, purchased=100, in_use=None):
    return project(
        peaks,
        today=TODAY,
        seats_purchased=purchased,
        seats_in_use=peaks[-1] if in_use is None else in_use,
        term_end=TERM_END,
    )


def test_steady_growth_runs_out_where_the_line_reaches_the_seats_purchased():
    trend = trend_of([10 + day for day in range(60)])  # one seat a day, 69 today

    assert trend.basis == RUNS_OUT
    assert trend.per_day == 1
    assert trend.level == 69
    assert trend.runs_out_on == TODAY + timedelta(days=31)  # 100 - 69 seats at one a day
    # On the term's last day, 2025-12-31, 213 days on: 69 + 213 seats.
    assert trend.seats_needed == 282
    assert recommended_seats(trend, 100, max_seats=10_000) == 182


def test_a_staircase_of_one_seat_every_two_days_is_half_a_seat_a_day():
    trend = trend_of([20 + day // 2 for day in range(60)], purchased=60)

    assert trend.per_day == Fraction(1, 2)
    assert trend.basis == RUNS_OUT
    # 49.25 seats today on the line, half a seat a day: 60 reached 21.5 days on.
    assert trend.level == Fraction(197, 4)
    assert trend.runs_out_on == TODAY + timedelta(days=22)


@pytest.mark.parametrize("spike_day", [0, 17, 30, 58, 59])
def test_a_one_day_spike_leaves_the_projection_where_it_was(spike_day):
    steady = [10 + day for day in range(60)]
    spiked = list(steady)
    spiked[spike_day] += 40

    assert trend_of(spiked, in_use=steady[-1]) == trend_of(steady)


def test_a_least_squares_line_would_follow_the_spike_that_the_median_ignores():
    steady = [10 + day for day in range(30)]
    spiked = [*steady[:-1], steady[-1] + 60]
    mean_x = sum(range(30)) / 30
    mean_y = sum(spiked) / 30
    least_squares = sum((x - mean_x) * (y - mean_y) for x, y in enumerate(spiked)) / sum(
        (x - mean_x) ** 2 for x in range(30)
    )

    assert least_squares > 1.35  # the spike makes an ordinary fit almost 40 % steeper
    assert theil_sen(spiked)[0] == 1


def test_a_flat_history_has_no_run_out_date():
    trend = trend_of([40] * 45, purchased=50)

    assert trend.basis == NOT_GROWING
    assert trend.per_day == 0
    assert trend.runs_out_on is None
    assert recommended_seats(trend, 50, max_seats=10_000) == 0


def test_a_falling_history_has_no_run_out_date():
    trend = trend_of([80 - day for day in range(30)], purchased=80)

    assert trend.basis == NOT_GROWING
    assert trend.per_day == -1
    assert trend.runs_out_on is None


def test_a_history_shorter_than_the_minimum_gives_no_date():
    short = trend_of([10 + 5 * day for day in range(MIN_HISTORY_DAYS - 1)], purchased=60)
    enough = trend_of([10 + 5 * day for day in range(MIN_HISTORY_DAYS)], purchased=80)

    assert (short.basis, short.runs_out_on, short.per_day) == (NOT_ENOUGH_HISTORY, None, 0)
    assert recommended_seats(short, 60, max_seats=10_000) == 0
    assert enough.basis == RUNS_OUT


def test_growth_too_slow_to_reach_the_seats_this_term_lasts_the_term():
    trend = trend_of([10 + day // 30 for day in range(90)], purchased=100)

    assert trend.basis == LASTS_THE_TERM
    assert trend.runs_out_on is None
    assert 0 < trend.per_day < Fraction(1, 20)
    assert recommended_seats(trend, 100, max_seats=10_000) == 0


def test_seats_all_in_use_and_still_growing_run_out_today():
    trend = trend_of([day for day in range(20)], purchased=19, in_use=19)

    assert trend.basis == RUNS_OUT
    assert trend.runs_out_on == TODAY


def test_the_recommendation_is_capped_at_the_largest_purchase():
    trend = trend_of([10 + 20 * day for day in range(20)], purchased=400)

    assert recommended_seats(trend, 400, max_seats=50) == 50


def test_daily_peaks_fill_quiet_days_and_count_what_a_day_opened_with():
    first = date(2025, 5, 1)
    days = [
        (date(2025, 5, 2), 7, 7),  # took two seats
        (date(2025, 5, 4), 7, 3),  # released four: the day still opened at 7
        (date(2025, 5, 5), 30, 4),  # thirty at its peak, four by the evening
    ]

    assert daily_peaks(5, days, first=first, last=date(2025, 5, 7)) == [5, 7, 7, 7, 30, 4, 4]


def test_a_line_needs_two_points():
    with pytest.raises(ValueError):
        theil_sen([3])


linear = st.tuples(
    st.integers(min_value=300, max_value=800),
    st.integers(min_value=-5, max_value=5),
    st.integers(min_value=MIN_HISTORY_DAYS, max_value=60),
)


@given(linear, st.data())
def test_one_day_set_to_anything_changes_nothing_on_a_straight_history(line, data):
    start, slope, days = line
    steady = [start + slope * day for day in range(days)]
    day = data.draw(st.integers(min_value=0, max_value=days - 1))
    spiked = list(steady)
    spiked[day] = data.draw(st.integers(min_value=0, max_value=10_000))

    assert theil_sen(spiked) == theil_sen(steady)


@given(
    st.lists(st.integers(min_value=0, max_value=1_000), min_size=2, max_size=40),
    st.integers(min_value=-500, max_value=500),
)
def test_the_slope_ignores_a_shift_and_lies_between_the_steepest_and_the_flattest(values, shift):
    slope, intercept = theil_sen(values)
    pairwise = [
        Fraction(values[j] - values[i], j - i)
        for i in range(len(values))
        for j in range(i + 1, len(values))
    ]

    assert theil_sen([value + shift for value in values]) == (slope, intercept + shift)
    assert min(pairwise) <= slope <= max(pairwise)


@given(st.lists(st.integers(min_value=0, max_value=200), min_size=MIN_HISTORY_DAYS, max_size=60))
def test_a_run_out_date_falls_inside_the_term_and_only_on_growth(peaks):
    trend = trend_of(peaks, purchased=150)

    if trend.runs_out_on is not None:
        assert trend.basis == RUNS_OUT
        assert trend.per_day > 0
        assert TODAY <= trend.runs_out_on < TERM_END
        assert recommended_seats(trend, 150, max_seats=10_000) >= 1
    else:
        assert trend.basis in (NOT_GROWING, LASTS_THE_TERM)
        assert recommended_seats(trend, 150, max_seats=10_000) == 0


@given(
    st.integers(min_value=0, max_value=50),
    st.lists(
        st.tuples(st.integers(min_value=0, max_value=9), st.integers(min_value=-3, max_value=3)),
        max_size=40,
    ),
)
def test_daily_peaks_are_the_highest_count_each_day_saw(opening, changes):
    first = date(2025, 5, 1)
    events = sorted(changes, key=lambda change: change[0])  # in the order they happened
    counts, count = {}, opening
    seen = {offset: [] for offset in range(10)}
    for offset, delta in events:
        count = max(count + delta, 0)
        seen[offset].append(count)
    days = []
    for offset in range(10):
        if seen[offset]:
            days.append((first + timedelta(days=offset), max(seen[offset]), seen[offset][-1]))
    count = opening
    for offset in range(10):
        # A day's peak: what it opened with, or higher if a change took it there.
        counts[offset] = max([count, *seen[offset]])
        count = seen[offset][-1] if seen[offset] else count

    peaks = daily_peaks(opening, days, first=first, last=first + timedelta(days=9))

    assert peaks == [counts[offset] for offset in range(10)]
