"""Reclaiming dormant seats: warned of once, 7 days ahead, then released; idempotent."""

from datetime import UTC, date, datetime

from sqlalchemy import select

from seat_core import reclaim_due, set_group_members, set_policy
from seat_core.models import Contract, Event, Member, Outbox, ScimGroup, Seat

from ..factories import AT, gen_group, gen_member, gen_organization, gen_owner, seat_holders


def noon(day: date) -> datetime:
    return datetime(day.year, day.month, day.day, 12, tzinfo=UTC)


def run(sessions, day: date):
    """Run reclamation as of day; return (released, warned) user names with their days."""
    with sessions.begin() as session:
        (result,) = reclaim_due(session, at=noon(day), on=day)
        return (
            [d.user_name for d in result.released],
            [(d.user_name, d.reclaim_on) for d in result.warned],
        )


def acme(sessions, *, days=30):
    """Acme reclaiming after days: ann and bob hold seats taken on 1 March, as do an owner
    and a member of the exempt group Executives; bob signed in on 20 March."""
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        ann = gen_member(session, organization, "ann")
        bob = gen_member(session, organization, "bob")
        bob.last_sign_in_at = datetime(2025, 3, 20, 9, tzinfo=UTC)
        gen_owner(session, organization, "own@acme.test")
        gen_member(session, organization, "own@acme.test")
        executive = gen_member(session, organization, "eve")
        group = gen_group(session, organization, "Executives")
        set_group_members(session, group, [executive.id], at=AT)
        set_policy(
            session, organization.id, at=AT, reclaim_after_days=days, exempt_groups=["Executives"]
        )
        return organization.id, ann.id, bob.id


def warnings(session):
    """Return the payloads of the reclamation warnings written to the outbox."""
    rows = session.scalars(
        select(Outbox).where(Outbox.event == "seats.reclaim_upcoming").order_by(Outbox.id)
    )
    return [row.payload for row in rows]


def test_owners_are_warned_once_seven_days_ahead_then_the_seat_is_reclaimed(sessions):
    _, ann_id, _ = acme(sessions)

    too_early = run(sessions, date(2025, 3, 23))
    warned = run(sessions, date(2025, 3, 24))
    again = run(sessions, date(2025, 3, 24))
    day_before = run(sessions, date(2025, 3, 30))
    reclaimed = run(sessions, date(2025, 3, 31))
    repeated = run(sessions, date(2025, 3, 31))

    assert too_early == ([], [])
    # ann took her seat on 1 March and never signed in: reclaimed 30 days later.
    assert warned == ([], [("ann", date(2025, 3, 31))])
    assert again == day_before == ([], [])
    assert reclaimed == (["ann"], [])
    assert repeated == ([], [])
    with sessions.begin() as session:
        (alert,) = warnings(session)
        assert alert["people_count"] == 1
        assert [(p["user_name"], p["reclaim_on"]) for p in alert["people"]] == [
            ("ann", "2025-03-31")
        ]
        ann = session.get_one(Member, ann_id)
        # The member keeps its data and its SCIM active; only the seat went.
        assert ann.active is True
        assert session.scalar(select(Seat.id).where(Seat.member_id == ann_id)) is None
        contract = session.scalars(select(Contract)).one()
        assert (contract.seats_used, contract.seats_purchased) == (3, 5)
        logged = session.scalars(
            select(Event).where(Event.type == "seat.released", Event.subject == "ann")
        ).one()
        assert (logged.data["reason"], logged.data["on"]) == ("reclaimed", "2025-03-31")


def test_owners_and_exempt_groups_are_never_reclaimed(sessions):
    acme(sessions)

    run(sessions, date(2025, 3, 24))
    run(sessions, date(2025, 3, 31))
    run(sessions, date(2025, 12, 1))
    run(sessions, date(2025, 12, 8))

    with sessions.begin() as session:
        assert seat_holders(session) == ["eve", "own@acme.test"]
        names = [p["user_name"] for alert in warnings(session) for p in alert["people"]]
        assert "eve" not in names and "own@acme.test" not in names


def test_a_sign_in_after_the_warning_keeps_the_seat_and_a_later_day_is_warned_again(sessions):
    _, _, bob_id = acme(sessions)
    # bob signed in on 20 March: his day is 19 April, announced on 12 April (with ann's).
    first = run(sessions, date(2025, 4, 12))
    with sessions.begin() as session:
        session.get_one(Member, bob_id).last_sign_in_at = datetime(2025, 4, 15, 8, tzinfo=UTC)

    kept = run(sessions, date(2025, 4, 19))
    warned_again = run(sessions, date(2025, 5, 8))
    reclaimed = run(sessions, date(2025, 5, 15))

    assert first == ([], [("ann", date(2025, 4, 19)), ("bob", date(2025, 4, 19))])
    assert kept == (["ann"], [])
    assert warned_again == ([], [("bob", date(2025, 5, 15))])
    assert reclaimed == (["bob"], [])


def test_a_seat_overdue_when_reclamation_is_turned_on_gets_its_seven_days_notice(sessions):
    acme(sessions)

    warned = run(sessions, date(2025, 6, 1))
    not_yet = run(sessions, date(2025, 6, 7))
    reclaimed = run(sessions, date(2025, 6, 8))

    assert warned == ([], [("ann", date(2025, 6, 8)), ("bob", date(2025, 6, 8))])
    assert not_yet == ([], [])
    assert reclaimed == (["ann", "bob"], [])


def test_turning_reclamation_off_stops_it(sessions):
    organization_id, _, _ = acme(sessions)
    run(sessions, date(2025, 3, 24))
    with sessions.begin() as session:
        set_policy(session, organization_id, at=AT, reclaim_after_days=None)

    with sessions.begin() as session:
        assert reclaim_due(session, at=noon(date(2025, 4, 1)), on=date(2025, 4, 1)) == []
        assert session.scalar(select(Seat.id).join(Member).where(Member.user_name == "ann"))
        assert session.scalars(select(ScimGroup.display_name)).all() == ["Executives"]
