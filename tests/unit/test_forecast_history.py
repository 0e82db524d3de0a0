"""The forecast read from a contract's seat events, on SQLite and PostgreSQL."""

from datetime import UTC, date, datetime, time, timedelta

from seat_core import forecast_of, quote_purchase, release_seat, renew_due
from seat_core.contracts import contract_of
from seat_core.forecast import CONTRACT_ENDED, NOT_ENOUGH_HISTORY, NOT_GROWING, RUNS_OUT, history

from ..factories import gen_member, gen_organization

FIRST = date(2025, 2, 1)
TODAY = date(2025, 3, 2)


def noon(day: date) -> datetime:
    return datetime.combine(day, time(12), UTC)


def grow_one_a_day(session, organization, *, first=FIRST, last=TODAY, spike_on=None):
    """Take one seat on each day from first to last, as a daily history of 1, 2, 3, ...

    On spike_on, eight more people take a seat and give it back the same day.
    """
    day = first
    while day <= last:
        gen_member(session, organization, f"user{day}", at=noon(day), on=day)
        if day == spike_on:
            extras = [
                gen_member(session, organization, f"extra{n}", at=noon(day), on=day)
                for n in range(8)
            ]
            for member in extras:
                release_seat(session, member, at=noon(day), on=day)
        day += timedelta(days=1)


def test_steady_growth_reads_one_seat_a_day_and_recommends_seats_to_the_end(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=40)
        grow_one_a_day(session, organization)

    with sessions.begin() as session:
        forecast = forecast_of(session, organization, today=TODAY)
        quote = quote_purchase(session, organization, seats=294, on=TODAY)

    assert forecast.basis == RUNS_OUT
    assert forecast.history_days == 30
    assert forecast.per_day == 1
    assert forecast.seats_per_30_days == 30.0
    assert forecast.runs_out_on == date(2025, 3, 12)  # 30 in use of 40, one more a day
    # On 2025-12-31, 304 days on, the line is at 334 seats: 294 more than the 40.
    assert forecast.recommended_add == 294
    assert forecast.recommended_amount_minor == quote.amount_minor > 0
    assert forecast.currency == "USD"


def grow(session, slug, *, spike_on):
    organization = gen_organization(session, slug=slug, seats=40)
    grow_one_a_day(session, organization, spike_on=spike_on)
    return organization


def test_a_day_that_took_and_gave_back_twenty_seats_changes_nothing(sessions):
    with sessions.begin() as session:
        steady = forecast_of(session, grow(session, "steady", spike_on=None), today=TODAY)
        organization = grow(session, "spiked", spike_on=date(2025, 2, 20))

    with sessions.begin() as session:
        first, peaks = history(
            session, contract_of(session, organization.id), organization, today=TODAY
        )
        spiked = forecast_of(session, organization, today=TODAY)

    assert first == FIRST
    assert peaks[19] == 28 and peaks[18:21] == [19, 28, 21]
    assert spiked == steady
    assert spiked.runs_out_on == date(2025, 3, 12)


def test_a_flat_history_has_no_run_out_date_and_recommends_nothing(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=12)
        for n in range(10):
            gen_member(session, organization, f"user{n}", at=noon(FIRST), on=FIRST)

    with sessions.begin() as session:
        forecast = forecast_of(session, organization, today=TODAY)

    assert forecast.basis == NOT_GROWING
    assert forecast.history_days == 30
    assert (forecast.runs_out_on, forecast.per_day) == (None, 0)
    assert (forecast.recommended_add, forecast.recommended_amount_minor) == (0, 0)


def test_an_organization_younger_than_two_weeks_has_not_enough_history(sessions):
    created = noon(date(2025, 2, 25))
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10, at=created)
        grow_one_a_day(session, organization, first=date(2025, 2, 25))

    with sessions.begin() as session:
        forecast = forecast_of(session, organization, today=TODAY)

    assert forecast.basis == NOT_ENOUGH_HISTORY
    assert forecast.history_days == 6
    assert (forecast.runs_out_on, forecast.recommended_add) == (None, 0)


def test_an_expired_contract_has_no_forecast(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=40, auto_renew=False)
        grow_one_a_day(session, organization)
        renew_due(session, at=noon(date(2026, 1, 2)))

    with sessions.begin() as session:
        forecast = forecast_of(session, organization, today=date(2026, 1, 2))

    assert forecast.basis == CONTRACT_ENDED
    assert (forecast.runs_out_on, forecast.recommended_add) == (None, 0)


def test_a_long_history_is_read_over_the_last_ninety_days_from_the_count_before_them(sessions):
    today = date(2025, 6, 30)
    with sessions.begin() as session:
        organization = gen_organization(session, seats=400, timezone="Asia/Tokyo")
        # One seat a day from 1 February: 150 days, the last 90 of them in the window.
        grow_one_a_day(session, organization, first=date(2025, 2, 1), last=today)

    with sessions.begin() as session:
        first, peaks = history(
            session, contract_of(session, organization.id), organization, today=today
        )
        forecast = forecast_of(session, organization, today=today)

    assert first == today - timedelta(days=89)
    assert peaks == list(range(61, 151))
    assert (forecast.history_days, forecast.per_day, forecast.level) == (90, 1, 150)
