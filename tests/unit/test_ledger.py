"""Seats on a real database: take, release, refuse, remember who was refused."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import func, select

from seat_core import (
    ContractExpired,
    NoSeatAvailable,
    add_member,
    identity_key,
    record_refusal,
    release_seat,
    renew_lapsed,
    take_seat,
    usage,
)
from seat_core.models import Contract, Event, Member, Outbox, Seat, SeatRequest

from ..factories import AT, gen_member, gen_organization

# The contract's local day an event of the usage history happened on (seat_core/history.py).
TAKEN_ON = Event.data["on"].as_string()


def refuse_at_sign_in(session, organization, email):
    """Remember someone refused a seat when signing in with that email."""
    record_refusal(
        session,
        organization,
        channel="sso",
        identity=email,
        identity_key=identity_key(email),
        at=AT,
    )


def seat_holders(session):
    return session.scalar(select(func.count()).select_from(Seat))


def test_an_active_member_takes_a_seat(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        member = gen_member(session, organization, "ann")

        assert member.active
        assert usage(session, organization).seats_in_use == 1
        assert seat_holders(session) == 1


def test_taking_a_seat_twice_keeps_one_seat(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        member = gen_member(session, organization, "ann")

        assert take_seat(session, member, at=AT) is False
        assert usage(session, organization).seats_in_use == 1


def test_refuses_a_seat_when_all_are_taken(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "ann")
        late = gen_member(session, organization, "bob", active=False)

        with pytest.raises(NoSeatAvailable) as refused:
            take_seat(session, late, at=AT)

        assert refused.value.message == (
            "No seat available in Acme: 1 of 1 seats in use. A Primary Owner must add seats."
        )
        assert not late.active
        assert usage(session, organization).seats_in_use == 1


def test_releasing_frees_the_seat_and_deactivates_the_member(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        ann = gen_member(session, organization, "ann")
        bob = gen_member(session, organization, "bob", active=False)

        assert release_seat(session, ann, at=AT) is True
        take_seat(session, bob, at=AT)

        assert not ann.active
        assert bob.active
        assert usage(session, organization).seats_in_use == 1


def test_releasing_without_a_seat_is_never_refused(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        member = gen_member(session, organization, "ann", active=False)

        assert release_seat(session, member, at=AT) is False
        assert usage(session, organization).seats_in_use == 0


def test_seat_changes_are_logged_with_the_counts_of_the_usage_history(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=3)
        member = gen_member(session, organization, "ann")
        release_seat(session, member, at=AT)

        events = session.execute(
            select(Event.type, Event.data)
            .where(Event.type.in_(["seat.taken", "seat.released"]))
            .order_by(Event.id)
        )
        history = [
            (type_, data["seats_used"], data["seats_purchased"], data["term_index"], data["on"])
            for type_, data in events
        ]
        day = AT.date().isoformat()
        assert history == [("seat.taken", 1, 3, 0, day), ("seat.released", 0, 3, 0, day)]


def test_a_contract_that_does_not_renew_refuses_seats_after_its_term(sessions):
    after = datetime(2026, 1, 2, 9, tzinfo=UTC)
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5, auto_renew=False)
        member = gen_member(session, organization, "ann", active=False)

        with pytest.raises(ContractExpired, match="ended on 2026-01-01"):
            take_seat(session, member, at=after)


def test_an_auto_renewing_contract_renews_before_taking_a_seat_after_its_term(sessions):
    after = datetime(2026, 1, 2, 9, tzinfo=UTC)
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        gen_member(session, organization, "ann")
        member = gen_member(session, organization, "bob", active=False)

        renew_lapsed(session, organization.id, at=after)
        with pytest.raises(NoSeatAvailable):
            # The renewal carried over the one seat in use; none is free for bob.
            take_seat(session, member, at=after)

    with sessions.begin() as session:
        contract = session.scalars(select(Contract)).one()
        assert (contract.term_start, contract.seats_purchased) == (date(2026, 1, 1), 1)


def test_a_take_alone_renews_nothing_and_refuses_a_term_that_has_ended(sessions):
    after = datetime(2026, 1, 2, 9, tzinfo=UTC)
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        member = gen_member(session, organization, "bob", active=False)

        with pytest.raises(ContractExpired):
            take_seat(session, member, at=after)

    with sessions.begin() as session:
        contract = session.scalars(select(Contract)).one()
        assert (contract.term_start, contract.seats_used) == (date(2025, 1, 1), 0)


def test_the_database_refuses_more_seats_in_use_than_purchased(sessions):
    from sqlalchemy import update
    from sqlalchemy.exc import IntegrityError

    with sessions.begin() as session:
        gen_organization(session, seats=1)
    with pytest.raises(IntegrityError), sessions.begin() as session:
        session.execute(update(Contract).values(seats_used=2))


def test_a_refusal_is_remembered_once_per_identity_with_its_attempts(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
    for attempt in range(3):
        with sessions.begin() as session:
            record_refusal(
                session,
                organization,
                channel="scim",
                identity="Carol@Acme.test",
                identity_key=identity_key("Carol@Acme.test"),
                at=datetime(2025, 3, 1, 12, attempt, tzinfo=UTC),
            )

    with sessions.begin() as session:
        request = session.scalars(select(SeatRequest)).one()
        assert (request.attempts, request.status, request.channel) == (3, "pending", "scim")
        assert request.first_seen_at < request.last_seen_at
        assert usage(session, organization).pending_requests == 1
        events = session.scalars(select(Outbox.event)).all()
        assert events == ["seat.refused"] * 3


def test_taking_a_seat_admits_the_members_pending_request(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        refuse_at_sign_in(session, organization, "dan@acme.test")
        gen_member(session, organization, "dan@acme.test")

        request = session.scalars(select(SeatRequest)).one()
        assert request.status == "admitted"
        assert usage(session, organization).pending_requests == 0


def test_the_sessions_contract_shows_the_count_after_taking_and_releasing(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=3)
        contract = session.scalars(select(Contract)).one()
        member = gen_member(session, organization, "ann")
        after_take = contract.seats_used
        release_seat(session, member, at=AT)

        assert (after_take, contract.seats_used) == (1, 0)


def test_a_refused_take_leaves_nothing_behind_even_if_the_caller_commits(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "ann")
        record_refusal(
            session, organization, channel="scim", identity="bob", identity_key="bob", at=AT
        )
        bob = gen_member(session, organization, "bob", active=False)
        with pytest.raises(NoSeatAvailable):
            take_seat(session, bob, at=AT)

    with sessions.begin() as session:
        assert session.scalars(select(SeatRequest.status)).all() == ["pending"]
        assert not session.get(Member, bob.id).active
        assert seat_holders(session) == 1 == usage(session, organization).seats_in_use


def test_a_seat_is_taken_on_the_contracts_local_day(sessions):
    # The term ends on 2026-01-01 in Auckland, which begins at 2025-12-31 11:00 UTC.
    last_local_hour = datetime(2025, 12, 31, 10, 30, tzinfo=UTC)
    next_local_day = datetime(2025, 12, 31, 11, 30, tzinfo=UTC)
    with sessions.begin() as session:
        organization = gen_organization(
            session, seats=5, auto_renew=False, timezone="Pacific/Auckland"
        )
        ann = gen_member(session, organization, "ann", active=False)
        bob = gen_member(session, organization, "bob", active=False)

        assert take_seat(session, ann, at=last_local_hour) is True
        with pytest.raises(ContractExpired, match="ended on 2026-01-01"):
            take_seat(session, bob, at=next_local_day)

        days = session.scalars(select(TAKEN_ON).where(Event.type == "seat.taken")).all()
        assert days == ["2025-12-31"]
        assert usage(session, organization).seats_in_use == 1
        assert not bob.active


def test_a_seat_waits_for_the_terms_first_local_day(sessions):
    # The term begins on 2025-01-01 in Los Angeles, which begins at 08:00 UTC.
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5, timezone="America/Los_Angeles")
        ann = gen_member(session, organization, "ann", active=False)

        with pytest.raises(ContractExpired):
            take_seat(session, ann, at=datetime(2025, 1, 1, 7, 30, tzinfo=UTC))
        assert take_seat(session, ann, at=datetime(2025, 1, 1, 8, 30, tzinfo=UTC)) is True

        day = session.scalar(select(TAKEN_ON).where(Event.type == "seat.taken"))
        assert day == "2025-01-01"


@pytest.mark.parametrize(
    ("timezone", "at", "local_day"),
    [
        # 11:00 UTC on 1 June is 01:00 on the 2nd in Kiritimati (UTC+14).
        ("Pacific/Kiritimati", datetime(2025, 6, 1, 11, tzinfo=UTC), date(2025, 6, 2)),
        # 05:00 UTC on 1 June is 19:00 on 31 May in Honolulu (UTC-10).
        ("Pacific/Honolulu", datetime(2025, 6, 1, 5, tzinfo=UTC), date(2025, 5, 31)),
    ],
)
def test_a_seat_is_recorded_on_the_contracts_local_day(sessions, timezone, at, local_day):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5, timezone=timezone)
        ann = gen_member(session, organization, "ann", active=False)

        assert take_seat(session, ann, at=at) is True

        day = session.scalar(select(TAKEN_ON).where(Event.type == "seat.taken"))
        assert day == local_day.isoformat()


def test_taking_a_seat_admits_a_request_remembered_under_the_members_email(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        refuse_at_sign_in(session, organization, "Dan.Smith@Acme.test")
        dan = gen_member(session, organization, "dsmith", email="dan.smith@acme.test")

        request = session.scalars(select(SeatRequest)).one()
        assert (request.status, request.member_id, request.resolved_at) == ("admitted", dan.id, AT)


def new_member(organization, user_name):
    """A member added to the session and not flushed: the take writes it."""
    return Member(
        organization_id=organization.id,
        user_name=user_name,
        user_name_key=identity_key(user_name),
        created_at=AT,
        updated_at=AT,
    )


def test_a_new_member_is_written_with_its_seat_and_its_defaults(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        member = new_member(organization, "ann")
        session.add(member)

        assert take_seat(session, member, at=AT) is True
        member_id = member.id

    with sessions.begin() as session:
        stored = session.get(Member, member_id)
        assert (stored.active, stored.source, stored.version, stored.scim) == (
            True,
            "scim",
            1,
            {},
        )
        assert session.scalars(select(Seat.member_id)).all() == [member_id]
        assert usage(session, organization).seats_in_use == 1


def test_a_new_member_refused_a_seat_is_left_inactive_if_the_caller_commits(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "ann")
        bob = new_member(organization, "bob")
        session.add(bob)
        with pytest.raises(NoSeatAvailable):
            take_seat(session, bob, at=AT)

    with sessions.begin() as session:
        assert session.get(Member, bob.id).active is False
        assert seat_holders(session) == 1 == usage(session, organization).seats_in_use


def test_a_new_member_after_the_term_renews_the_contract_then_takes_a_seat(sessions):
    after = datetime(2026, 1, 2, 9, tzinfo=UTC)
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        gen_member(session, organization, "ann")
        release_seat(session, session.scalars(select(Member)).one(), at=AT)
        # Renewal keeps the plan's minimum of one seat; the new member takes it.
        bob = new_member(organization, "bob")

        renew_lapsed(session, organization.id, at=after)
        assert add_member(session, bob, at=after, active=True) is True
        contract = session.scalars(select(Contract)).one()
        assert (contract.term_start, contract.seats_used) == (date(2026, 1, 1), 1)


def test_a_new_member_whose_user_name_is_taken_fails_on_the_unique_index(sessions):
    from sqlalchemy.exc import IntegrityError

    with pytest.raises(IntegrityError), sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        gen_member(session, organization, "ann")
        twin = new_member(organization, "ANN")
        session.add(twin)
        take_seat(session, twin, at=AT)
