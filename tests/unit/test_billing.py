"""Buying seats and renewing, on a real database."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from seat_core import (
    IdempotencyKeyReused,
    InvalidQuantity,
    NoSeatAvailable,
    PurchaseOutsideTerm,
    purchase_seats,
    quote_purchase,
    release_seat,
    renew,
    renew_due,
    take_seat,
    usage,
)
from seat_core.events import Actor, acting_as, read_after
from seat_core.models import Contract, Invoice, Outbox

from ..factories import AT, gen_member, gen_organization

MARCH_15 = date(2025, 3, 15)


def test_the_quote_and_the_invoice_come_to_the_same_amount(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        quote = quote_purchase(session, organization, seats=5, on=MARCH_15)
        purchase = purchase_seats(session, organization, seats=5, on=MARCH_15, at=AT)

        assert quote.amount_minor == purchase.invoice.total_minor == 143226
        assert purchase.invoice.lines[0].remaining_months == "296/31"
        assert purchase.invoice.number == f"INV-{purchase.invoice.id:06d}"
        assert usage(session, organization).seats_purchased == 15


def test_a_purchase_frees_seats_for_people_who_were_refused(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "ann")
        bob = gen_member(session, organization, "bob", active=False)
        with pytest.raises(NoSeatAvailable):
            take_seat(session, bob, at=AT)

        purchase_seats(session, organization, seats=1, on=AT.date(), at=AT)

        assert take_seat(session, bob, at=AT)


def test_the_same_idempotency_key_and_body_replays_the_first_invoice(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        first = purchase_seats(
            session, organization, seats=5, on=MARCH_15, at=AT, idempotency_key="k"
        )
    with sessions.begin() as session:
        again = purchase_seats(
            session, organization, seats=5, on=MARCH_15, at=AT, idempotency_key="k"
        )

        assert again.replayed and not first.replayed
        assert again.invoice.id == first.invoice.id
        assert usage(session, organization).seats_purchased == 15
        assert len(session.scalars(select(Invoice)).all()) == 1


def test_the_same_idempotency_key_with_another_body_is_refused(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        purchase_seats(session, organization, seats=5, on=MARCH_15, at=AT, idempotency_key="k")

        with pytest.raises(IdempotencyKeyReused):
            purchase_seats(session, organization, seats=6, on=MARCH_15, at=AT, idempotency_key="k")


@pytest.mark.parametrize("seats", [0, -3, 100_001, True])
def test_refuses_quantities_that_cannot_be_bought(sessions, seats):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)

        with pytest.raises(InvalidQuantity):
            purchase_seats(session, organization, seats=seats, on=MARCH_15, at=AT)


def test_refuses_a_purchase_dated_on_the_term_end(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)

        with pytest.raises(PurchaseOutsideTerm, match="renewal"):
            quote_purchase(session, organization, seats=1, on=date(2026, 1, 1))


def test_renewal_carries_the_seats_in_use_not_the_seats_purchased(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        for name in ("ann", "bob", "cid"):
            gen_member(session, organization, name)

        invoices = renew_due(session, at=datetime(2026, 1, 1, 0, 30, tzinfo=UTC))

        assert [(i.kind, i.total_minor, i.issued_on) for i in invoices] == [
            ("renewal", 3 * 36000, date(2026, 1, 1))
        ]
        current = usage(session, organization)
        assert (current.seats_purchased, current.seats_in_use) == (3, 3)
        assert (current.term_start, current.term_end) == (date(2026, 1, 1), date(2027, 1, 1))


def test_renewal_never_goes_below_the_plan_minimum(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10, min_seats=5)
        gen_member(session, organization, "ann")

        renew_due(session, at=datetime(2026, 1, 1, 12, tzinfo=UTC))

        assert usage(session, organization).seats_purchased == 5


def test_renewal_happens_once_however_often_it_is_triggered(sessions):
    at = datetime(2026, 1, 5, tzinfo=UTC)
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
    for _ in range(3):
        with sessions.begin() as session:
            renew_due(session, at=at)
            renew(session, session.scalars(select(Contract)).one(), at=at)

    with sessions.begin() as session:
        assert len(session.scalars(select(Invoice).where(Invoice.kind == "renewal")).all()) == 1
        assert usage(session, organization).term_start == date(2026, 1, 1)


def test_renewal_follows_anniversaries_of_the_original_start(sessions):
    with sessions.begin() as session:
        gen_organization(session, seats=10, start=date(2024, 2, 29))

        renew_due(session, at=datetime(2026, 3, 1, tzinfo=UTC))

        contract = session.scalars(select(Contract)).one()
        assert (contract.term_index, contract.term_start, contract.term_end) == (
            2,
            date(2026, 2, 28),
            date(2027, 2, 28),
        )


def test_renewal_uses_the_billing_time_zone(sessions):
    # 2025-12-31 20:00 UTC is already 2026-01-01 in Tokyo, still 2025 in New York.
    at = datetime(2025, 12, 31, 20, tzinfo=UTC)
    with sessions.begin() as session:
        gen_organization(session, slug="tokyo", timezone="Asia/Tokyo")
        gen_organization(session, slug="nyc", timezone="America/New_York")

        renewed = renew_due(session, at=at)

        assert len(renewed) == 1
        statuses = dict(session.execute(select(Contract.timezone, Contract.term_index)).all())
        assert statuses == {"Asia/Tokyo": 1, "America/New_York": 0}


def test_a_contract_that_does_not_auto_renew_expires_and_members_keep_their_data(sessions):
    at = datetime(2026, 1, 2, tzinfo=UTC)
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10, auto_renew=False)
        member = gen_member(session, organization, "ann")

        assert renew_due(session, at=at) == []

        contract = session.scalars(select(Contract)).one()
        assert contract.status == "expired"
        assert member.active
        assert session.scalars(select(Outbox.event).where(Outbox.event == "contract.expired")).all()
        with pytest.raises(PurchaseOutsideTerm):
            quote_purchase(session, organization, seats=1, on=at.date())
        # Releasing is never refused, even after expiry.
        assert release_seat(session, member, at=at)


def test_a_renewal_and_an_expiry_are_logged_as_the_systems_whoever_triggered_them(sessions):
    at = datetime(2026, 1, 1, 0, 30, tzinfo=UTC)
    with sessions.begin() as session:
        renewing = gen_organization(session, seats=10)
        gen_member(session, renewing, "ann")
        ending = gen_organization(session, slug="ending", seats=10, auto_renew=False)
        with acting_as(Actor("scim_token", "1", "Okta")):
            renew_due(session, at=at)

    with sessions.begin() as session:
        renewed = read_after(session, renewing.id, types=["contract.renewed"]).events
        expired = read_after(session, ending.id, types=["contract.expired"]).events
        invoice = session.scalars(select(Invoice).where(Invoice.kind == "renewal")).one()
    assert [(e.subject, e.data["seats_purchased"], e.data["amount_minor"]) for e in renewed] == [
        (invoice.number, 1, 36000)
    ]
    assert [e.data["term_end"] for e in expired] == ["2026-01-01"]
    assert {e.actor_type for e in [*renewed, *expired]} == {"system"}
