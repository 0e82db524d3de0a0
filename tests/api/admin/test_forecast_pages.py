"""The forecast on Billing settings and Usage, and its one click to the review."""

from datetime import UTC, datetime, timedelta

import pytest

from scim_gateway.admin.formatting import amount, day
from scim_gateway.db import transaction
from seat_core import contract_of, get_organization, quote_purchase, set_tax_rate
from tests.factories import gen_organization, gen_owner
from tests.support.histories import seed

from .conftest import CHEAP_HASH, OWNER, PRIMARY, sign_in


@pytest.fixture
def today():
    """Today in UTC, read when the test runs, not when it is collected."""
    return datetime.now(UTC).date()


@pytest.fixture
def grown(app, client, today):
    """Return grow(shape): acme, 50 seats, a term from 100 days ago, with that history."""

    def grow(shape: str, *, role: str = "primary_owner"):
        with app.app_context(), transaction() as session:
            organization = gen_organization(
                session, seats=50, start=today - timedelta(days=100), at=datetime.now(UTC)
            )
            gen_owner(session, organization, PRIMARY, password_hash=CHEAP_HASH)
            gen_owner(session, organization, OWNER, role="owner", password_hash=CHEAP_HASH)
            seed(session, "acme", shape, today=today)
        sign_in(client, PRIMARY if role == "primary_owner" else OWNER)
        return client

    return grow


def expected_purchase(app, today):
    """The purchase that lasts the term for a history of one more seat a day, 40 today."""
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        contract = contract_of(session, organization.id)
        seats = 40 + (contract.term_end - timedelta(days=1) - today).days - 50
        quote = quote_purchase(session, organization, seats=seats, on=today)
        return seats, amount(quote.amount_minor, quote.currency)


@pytest.mark.parametrize("path", ["billing", "usage"])
def test_steady_growth_shows_the_run_out_day_and_the_purchase_that_lasts(grown, app, path, today):
    client = grown("steady")
    seats, price = expected_purchase(app, today)

    page = client.get(f"/admin/acme/{path}").text

    assert 'data-basis="runs_out"' in page
    assert 'data-testid="forecast-pace">+30 seats per 30 days<' in page
    # 40 of 50 seats in use, one more a day: the last is taken ten days from now.
    assert f'data-testid="runs-out-on">{day(today + timedelta(days=10))}<' in page
    assert f'data-testid="recommended-add">{seats} seats<' in page
    assert f'data-testid="recommended-amount">{price}<' in page
    assert f'href="/admin/acme/billing/seats/review?seats={seats}"' in page


def test_the_recommended_purchase_says_the_organizations_tax_is_added(grown, app, today):
    client = grown("steady")
    with app.app_context(), transaction() as session:
        set_tax_rate(session, get_organization(session, "acme"), rate_bp=2000)
    _, price = expected_purchase(app, today)

    page = client.get("/admin/acme/billing").text

    assert f'data-testid="recommended-amount">{price}<' in page
    assert 'data-testid="recommended-tax">plus 20 % tax<' in page


def test_the_recommendation_opens_the_review_with_its_seats_and_price(grown, app, today):
    client = grown("steady")
    seats, price = expected_purchase(app, today)

    review = client.get(f"/admin/acme/billing/seats/review?seats={seats}", follow_redirects=True)

    assert review.status_code == 200
    assert f'data-testid="seats-added">{seats}<' in review.text
    assert f'data-testid="prorated-amount">{price}<' in review.text


def test_a_spike_shows_the_same_forecast_as_steady_growth(grown, app, today):
    client = grown("spike")
    seats, price = expected_purchase(app, today)

    page = client.get("/admin/acme/billing").text

    assert f'data-testid="runs-out-on">{day(today + timedelta(days=10))}<' in page
    assert f'data-testid="recommended-add">{seats} seats<' in page
    assert f'data-testid="recommended-amount">{price}<' in page


def test_a_flat_history_shows_no_run_out_day_and_no_purchase(grown):
    client = grown("flat")

    for path in ("billing", "usage"):
        page = client.get(f"/admin/acme/{path}").text
        assert 'data-basis="not_growing"' in page
        assert "no run-out date" in page
        assert 'data-testid="runs-out-on"' not in page
        assert "Review adding" not in page


def test_an_owner_sees_the_forecast_without_the_purchase_button(grown):
    client = grown("steady", role="owner")

    page = client.get("/admin/acme/billing").text

    assert 'data-testid="runs-out-on"' in page
    assert "Review adding" not in page
    assert "The Primary Owner can add them." in page


def test_a_new_organization_says_it_has_not_enough_history(primary):
    page = primary.get("/admin/acme/usage").text

    assert 'data-basis="not_enough_history"' in page
    assert "Not enough history yet" in page


def test_the_usage_chart_draws_the_projection_to_the_run_out_day(grown, today):
    client = grown("steady")

    page = client.get("/admin/acme/usage").text

    runs_out = today + timedelta(days=10)
    assert f"at the current pace 50 in use on {runs_out:%-d %b %Y}" in page
    assert 'stroke="#c2410c"' in page and "At the current pace</span>" in page


def test_the_usage_chart_draws_a_flat_projection_to_the_end_of_the_term(grown, app):
    client = grown("flat")
    with app.app_context(), transaction() as session:
        last_day = contract_of(session, get_organization(session, "acme").id).term_end
    last_day -= timedelta(days=1)

    page = client.get("/admin/acme/usage").text

    assert f"at the current pace 10 in use on {last_day:%-d %b %Y}" in page


def test_a_chart_without_enough_history_draws_no_projection(primary):
    page = primary.get("/admin/acme/usage").text

    assert "at the current pace" not in page
    assert 'stroke="#c2410c"' not in page
