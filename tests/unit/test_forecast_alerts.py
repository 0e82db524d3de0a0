"""The 80 % and 90 % alerts carry the forecast, and say it."""

from datetime import date, timedelta

from sqlalchemy import select

from scim_gateway.admin.formatting import amount
from scim_gateway.outbox.claims import Claim
from scim_gateway.outbox.messages import content_of
from seat_core import format_money, quote_purchase
from seat_core.models import Outbox

from ..factories import gen_organization
from .test_forecast_history import grow_one_a_day


def threshold_alerts(session):
    return session.scalars(
        select(Outbox).where(Outbox.event == "usage.threshold").order_by(Outbox.id)
    ).all()


def claim_of(row):
    return Claim(
        delivery_id=1, channel="email", recipient="ann@acme.test", endpoint_id=None, url=None,
        secret_encrypted=None, attempts=0, started_at=row.created_at,
        lease_until=row.created_at, event=row.event, payload=row.payload,
        message_id=row.message_id, created_at=row.created_at, organization_slug="acme",
        organization_name="Acme",
    )  # fmt: skip


def test_the_alerts_project_steady_growth_and_recommend_the_purchase(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=40)
        # One seat a day from 1 February: 32 (80 %) on 4 March, 36 (90 %) on 8 March.
        grow_one_a_day(session, organization, last=date(2025, 3, 8))

    with sessions.begin() as session:
        eighty, ninety = threshold_alerts(session)
        quote = quote_purchase(session, organization, seats=294, on=date(2025, 3, 8))

    assert (eighty.payload["threshold"], ninety.payload["threshold"]) == (80, 90)
    assert eighty.payload["forecast"]["runs_out_on"] == "2025-03-12"  # 32 + 8 days
    assert ninety.payload["forecast"] == {
        "runs_out_on": "2025-03-12",  # 36 in use, four seats left at one a day
        "seats_per_30_days": 30.0,
        # On 2025-12-31, 298 days on, the line is at 334: 294 more than the 40.
        "recommended_add": 294,
        "recommended_amount": format_money(quote.amount_minor, "USD"),
        "currency": "USD",
        "term_end": "2026-01-01",
        "basis": "runs_out",
        "history_days": 36,
    }


def test_the_alert_text_gives_the_run_out_day_and_links_the_purchase(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=40)
        grow_one_a_day(session, organization, last=date(2025, 3, 8))

    with sessions.begin() as session:
        ninety = threshold_alerts(session)[-1]
        quote = quote_purchase(session, organization, seats=294, on=date(2025, 3, 8))
    content = content_of(claim_of(ninety), "https://seats.example")

    text = "\n".join(content.paragraphs)
    assert "at the current pace (+30 seats per 30 days) seats run out on 2025-03-12" in text
    assert (
        "add 294 seats, which last to the end of the term on 2026-01-01, for "
        f"{amount(quote.amount_minor, 'USD')} (prorated)" in text
    )
    assert content.action_label == "Add 294 seats"
    assert content.action_url == "https://seats.example/admin/acme/billing/seats/review?seats=294"


def test_an_alert_without_enough_history_says_so(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        grow_one_a_day(session, organization, first=date(2025, 3, 1), last=date(2025, 3, 8))

    with sessions.begin() as session:
        eighty = threshold_alerts(session)[0]
    content = content_of(claim_of(eighty), "https://seats.example")

    assert eighty.payload["forecast"]["basis"] == "not_enough_history"
    assert eighty.payload["forecast"]["runs_out_on"] is None
    assert "not enough history yet (8 days)" in "\n".join(content.paragraphs)
    assert content.action_label == "Add 1 seat"  # back under 80 %, as without a forecast


def test_a_flat_organization_crossing_a_threshold_has_no_run_out_day(sessions):
    first = date(2025, 2, 1)
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        grow_one_a_day(session, organization, first=first, last=first + timedelta(days=6))
        grow_one_a_day(  # a month later, one more: 8 of 10
            session, organization, first=date(2025, 3, 8), last=date(2025, 3, 8)
        )

    with sessions.begin() as session:
        eighty = threshold_alerts(session)[0]

    assert eighty.payload["forecast"]["basis"] == "not_growing"
    assert eighty.payload["forecast"]["runs_out_on"] is None
    assert "no run-out date" in "\n".join(content_of(claim_of(eighty), "").paragraphs)
