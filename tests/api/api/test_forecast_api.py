"""GET seats carries the forecast, in the shape `seats usage --json` prints."""

from datetime import UTC, datetime, timedelta

import pytest

from scim_gateway.db import transaction
from scim_gateway.tokens import issue_token
from seat_core import format_money, get_organization, quote_purchase
from tests.factories import gen_organization, gen_owner
from tests.support.histories import seed

from .conftest import auth


@pytest.fixture
def today():
    """Today in UTC, read when the test runs, not when it is collected."""
    return datetime.now(UTC).date()


@pytest.fixture
def grown(app, today):
    """Return grow(shape): acme, 50 seats from 100 days ago with that history; its token."""

    def grow(shape: str) -> str:
        at = datetime.now(UTC)
        with app.app_context(), transaction() as session:
            organization = gen_organization(
                session, seats=50, start=today - timedelta(days=100), at=at
            )
            owner = gen_owner(session, organization, "bob@acme.test", role="owner")
            seed(session, "acme", shape, today=today)
            _, secret = issue_token(session, organization, kind="api", at=at, owner_id=owner.id)
        return f"Bearer {secret}"

    return grow


def test_steady_growth_gives_the_run_out_day_and_the_lasting_purchase(client, app, grown, today):
    token = grown("steady")

    seats = client.get("/api/v1/orgs/acme/seats", headers=auth(token))

    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        term_end = organization.contract.term_end
        add = 40 + (term_end - timedelta(days=1) - today).days - 50
        quote = quote_purchase(session, organization, seats=add, on=today)
    assert seats.status_code == 200
    assert seats.json["forecast"] == {
        "runs_out_on": (today + timedelta(days=10)).isoformat(),
        "seats_per_30_days": 30.0,
        "recommended_add": add,
        "recommended_amount": format_money(quote.amount_minor, "USD"),
        "currency": "USD",
        "term_end": term_end.isoformat(),
        "basis": "runs_out",
        "history_days": 40,
    }


def test_a_flat_history_gives_no_run_out_day(client, grown):
    token = grown("flat")

    forecast = client.get("/api/v1/orgs/acme/seats", headers=auth(token)).json["forecast"]

    assert forecast["basis"] == "not_growing"
    assert (forecast["runs_out_on"], forecast["recommended_add"]) == (None, 0)
    assert forecast["recommended_amount"] == "0.00"


def test_the_openapi_document_describes_the_forecast(client):
    document = client.get("/api/v1/openapi.json").json
    schemas = document["components"]["schemas"]

    assert schemas["Seats"]["properties"]["forecast"] == {"$ref": "#/components/schemas/Forecast"}
    assert "runs_out_on" in schemas["Forecast"]["required"]
    assert schemas["Forecast"]["properties"]["basis"]["enum"][3] == "runs_out"
