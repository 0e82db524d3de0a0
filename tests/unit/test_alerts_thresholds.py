"""Usage thresholds: each fires once per crossing and re-arms only well below or on purchase."""

from datetime import timedelta

from sqlalchemy import select

from seat_core import purchase_seats, release_seat, renew, set_alert_settings, take_seat
from seat_core.alerts import crossed, rearmable
from seat_core.models import AlertDelivery, Outbox, ThresholdState

from ..factories import AT, gen_member, gen_organization, gen_owner


def fired(session):
    return [
        (row.payload["threshold"], row.payload["seats_in_use"])
        for row in session.scalars(
            select(Outbox).where(Outbox.event == "usage.threshold").order_by(Outbox.id)
        )
    ]


def test_thresholds_are_reached_at_their_exact_percentage():
    assert crossed(8, 10, (80, 90, 100)) == [80]
    assert crossed(7, 10, (80, 90, 100)) == []
    assert crossed(10, 10, (80, 90, 100)) == [80, 90, 100]
    assert crossed(0, 0, (80,)) == []


def test_a_threshold_rearms_only_five_points_below_it():
    assert rearmable(85, 100, (90,)) == [90]
    assert rearmable(86, 100, (90,)) == []


def test_each_threshold_fires_once_while_usage_stays_above_it(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        for n in range(10):
            gen_member(session, organization, f"user{n}")

        assert fired(session) == [(80, 8), (90, 9), (100, 10)]


def test_a_threshold_fires_again_after_usage_fell_five_points_below_it(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=25)
        members = [gen_member(session, organization, f"user{n}") for n in range(20)]
        release_seat(session, members[0], at=AT)  # 19 of 25: 76 %, not 5 points below 80
        take_seat(session, members[0], at=AT)  # 20 of 25 again: 80 is still disarmed
        release_seat(session, members[0], at=AT)
        release_seat(session, members[1], at=AT)  # 18 of 25: 72 %, 80 re-arms
        take_seat(session, members[0], at=AT)
        take_seat(session, members[1], at=AT)  # 20 of 25: 80 fires again

        assert fired(session) == [(80, 20), (80, 20)]


def test_crossing_several_thresholds_at_once_sends_one_alert_about_the_highest(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        gen_member(session, organization, "ann")  # 50 %
        gen_member(session, organization, "bob")  # 100 %: 80, 90 and 100 at once

        assert fired(session) == [(100, 2)]


def test_thresholds_come_from_the_organizations_settings(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=4)
        set_alert_settings(session, organization, thresholds="50, 75", digest_minutes=15, at=AT)
        for n in range(4):
            gen_member(session, organization, f"user{n}")

        assert fired(session) == [(50, 2), (75, 3)]


def test_adding_seats_rearms_the_thresholds_usage_is_now_below(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        members = [gen_member(session, organization, f"user{n}") for n in range(9)]
        purchase_seats(session, organization, seats=2, on=AT.date(), at=AT)  # 9 of 12: 75 %
        gen_member(session, organization, "user9")  # 10 of 12: 83 %, 80 fires again

        assert fired(session) == [(80, 8), (90, 9), (80, 10)]
        assert len(members) == 9


def test_a_new_term_rearms_every_threshold(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        for n in range(9):
            gen_member(session, organization, f"user{n}")
        contract = organization.contract
        renew(session, contract, at=AT + timedelta(days=365), on=contract.term_end)

        states = session.execute(select(ThresholdState.threshold, ThresholdState.armed)).all()
        assert sorted(states) == [(80, True), (90, True)]


def test_a_threshold_alert_goes_to_every_owner_and_endpoint(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_owner(session, organization, "ann@acme.test", role="primary_owner")
        gen_owner(session, organization, "bob@acme.test", role="owner")
        gen_member(session, organization, "user")

        deliveries = session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)).all()
        assert [(d.channel, d.recipient, d.status) for d in deliveries] == [
            ("email", "ann@acme.test", "pending"),
            ("email", "bob@acme.test", "pending"),
        ]
