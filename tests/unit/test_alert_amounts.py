"""Alert mail writes amounts as the pages do: "1,775.81 USD", not "1775.81 USD"."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from scim_gateway.outbox.messages import content_of
from seat_core import purchase_seats
from seat_core.models import Outbox

from ..factories import gen_organization
from .test_forecast_alerts import claim_of


def test_the_purchase_alert_writes_the_amount_with_thousands_separators(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10, price_minor=213_097)
        purchase_seats(session, organization, seats=10, on=date(2025, 3, 1), at=datetime.now(UTC))

    with sessions.begin() as session:
        row = session.scalars(select(Outbox).where(Outbox.event == "seats.purchased")).one()
    content = content_of(claim_of(row), "https://seats.example")

    # 10 seats at 2,130.97 a year for the 10 months left: 17,758.08.
    assert row.payload["amount"] == "17758.08"
    assert content.paragraphs[0].endswith(": 17,758.08 USD.")
