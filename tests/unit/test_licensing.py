"""Licensed groups: seats follow the IdP's groups, and the seat invariant holds."""

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from seat_core import (
    InvalidPolicy,
    admit_pending,
    policy_of,
    purchase_and_admit,
    release_and_refill,
    set_group_members,
    set_policy,
)
from seat_core.models import (
    Contract,
    Event,
    GroupMembership,
    Member,
    Organization,
    Outbox,
    ScimGroup,
    Seat,
    SeatRequest,
)

from ..factories import AT, gen_group, gen_member, gen_organization, seat_holders

LATER = AT + timedelta(hours=1)


def seats_of(session, organization_id):
    """Return (seats in use, seat rows, holders' user names) read from the database."""
    contract = session.scalars(
        select(Contract).where(Contract.organization_id == organization_id)
    ).one()
    rows = session.scalar(select(func.count()).select_from(Seat))
    return contract.seats_used, rows, seat_holders(session)


def pending(session):
    return list(
        session.scalars(
            select(SeatRequest.identity)
            .where(SeatRequest.status == "pending")
            .order_by(SeatRequest.first_seen_at, SeatRequest.id)
        )
    )


@pytest.fixture
def acme(sessions):
    """Acme with 2 seats, licensed group Engineering, and ann, bob, cy active without seats."""
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        set_policy(session, organization.id, at=AT, licensed_groups=["Engineering"])
        ids = {}
        for name in ("ann", "bob", "cy"):
            member = gen_member(session, organization, name, active=False)
            member.active = True
            ids[name] = member.id
        engineering = gen_group(session, organization, "Engineering")
        sales = gen_group(session, organization, "Sales")
        return organization.id, ids, engineering.id, sales.id


def test_the_policy_is_read_back_as_set_and_off_by_default(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        default = policy_of(session, organization.id)
        set_policy(
            session,
            organization.id,
            at=AT,
            licensed_groups=["Engineering", "engineering", "Sales"],
            reclaim_after_days=30,
            exempt_groups=["Executives"],
        )

    with sessions.begin() as session:
        stored = policy_of(session, organization.id)
        changes = session.scalars(select(Event).where(Event.type == "policy.changed")).all()

    assert default.as_json() == {
        "licensed_groups": [],
        "reclaim_after_days": None,
        "exempt_groups": [],
    }
    # One name per group: Engineering and engineering are one displayName.
    assert stored.as_json() == {
        "licensed_groups": ["Engineering", "Sales"],
        "reclaim_after_days": 30,
        "exempt_groups": ["Executives"],
    }
    (change,) = changes
    assert change.data["before"]["licensed_groups"] == []
    assert change.data["after"] == stored.as_json()


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reclaim_after_days": 13}, "between 14 and 3650, not 13"),
        ({"reclaim_after_days": True}, "whole number of days"),
        ({"licensed_groups": [" Eng"]}, "begins or ends with a space"),
        ({"licensed_groups": ["Eng\x00"]}, r"U\+0000"),
        ({"exempt_groups": "Eng"}, "must be a list"),
    ],
)
def test_a_policy_that_cannot_hold_is_refused_and_nothing_changes(sessions, changes, message):
    with sessions.begin() as session:
        organization = gen_organization(session)
        set_policy(session, organization.id, at=AT, reclaim_after_days=20)

    with sessions.begin() as session, pytest.raises(InvalidPolicy, match=message):
        set_policy(session, organization.id, at=AT, **changes)

    with sessions.begin() as session:
        assert policy_of(session, organization.id).reclaim_after_days == 20


def join(sessions, group_id, names, ids, *, at=AT):
    """Make the group's members exactly names, in one transaction; return what it synced."""
    with sessions.begin() as session:
        group = session.get_one(ScimGroup, group_id)
        return set_group_members(session, group, [ids[name] for name in names], at=at)


def test_a_member_outside_the_licensed_groups_is_active_without_a_seat(sessions, acme):
    organization_id, ids, _engineering, sales = acme

    join(sessions, sales, ["ann"], ids)

    with sessions.begin() as session:
        ann = session.get_one(Member, ids["ann"])
        assert ann.active is True
        assert seats_of(session, organization_id) == (0, 0, [])
        assert pending(session) == []


def test_joining_a_licensed_group_takes_a_seat_and_leaving_it_releases_it(sessions, acme):
    organization_id, ids, engineering, _sales = acme

    joined = join(sessions, engineering, ["ann", "bob"], ids)
    with sessions.begin() as session:
        after_join = seats_of(session, organization_id)
    left = join(sessions, engineering, ["bob"], ids, at=LATER)

    assert sorted(joined.taken) == sorted([ids["ann"], ids["bob"]])
    assert after_join == (2, 2, ["ann", "bob"])
    assert left.released == [ids["ann"]]
    with sessions.begin() as session:
        assert seats_of(session, organization_id) == (1, 1, ["bob"])
        ann = session.get_one(Member, ids["ann"])
        # The member stays active: only the seat went, and its event says why.
        assert ann.active is True
        released = session.scalars(
            select(Event.data).where(
                Event.type == "seat.released", Event.data["member_id"].as_string() == ids["ann"]
            )
        ).one()
        assert released["reason"] == "unlicensed"


def test_a_join_without_a_free_seat_is_kept_and_waits_then_is_admitted_oldest_first(sessions, acme):
    organization_id, ids, engineering, _sales = acme

    synced = join(sessions, engineering, ["ann", "bob", "cy"], ids)
    with sessions.begin() as session:
        members = set(
            session.scalars(
                select(GroupMembership.member_id).where(GroupMembership.group_id == engineering)
            )
        )
        alerts = session.scalars(select(Outbox.event)).all()
        before = seats_of(session, organization_id), pending(session)
    # ann leaves: her seat goes to the oldest waiting member in the same transaction.
    left = join(sessions, engineering, ["bob", "cy"], ids, at=LATER)

    assert synced.queued == [ids["cy"]]
    assert members == set(ids.values())  # the IdP's view of the group stays true
    assert "seat.refused" in alerts
    assert before == ((2, 2, ["ann", "bob"]), ["cy"])
    assert left.released == [ids["ann"]] and left.taken == [ids["cy"]]
    with sessions.begin() as session:
        assert seats_of(session, organization_id) == (2, 2, ["bob", "cy"])
        assert pending(session) == []
        status = session.scalar(
            select(SeatRequest.status).where(SeatRequest.member_id == ids["cy"])
        )
        assert status == "admitted"


def test_added_seats_admit_the_waiting_licensed_members(sessions, acme):
    organization_id, ids, engineering, _sales = acme
    join(sessions, engineering, ["ann", "bob", "cy"], ids)

    with sessions.begin() as session:
        organization = session.get_one(Organization, organization_id)
        purchase_and_admit(session, organization, seats=1, on=AT.date(), at=LATER)

    with sessions.begin() as session:
        assert seats_of(session, organization_id) == (3, 3, ["ann", "bob", "cy"])
        assert pending(session) == []


def test_a_released_seat_goes_to_a_waiting_licensed_member(sessions, acme):
    organization_id, ids, engineering, _sales = acme
    join(sessions, engineering, ["ann", "bob", "cy"], ids)

    with sessions.begin() as session:
        ann = session.get_one(Member, ids["ann"])
        assert release_and_refill(session, ann, at=LATER) is True

    with sessions.begin() as session:
        assert seats_of(session, organization_id) == (2, 2, ["bob", "cy"])
        assert session.get_one(Member, ids["ann"]).active is False


def test_leaving_while_waiting_dismisses_the_request(sessions, acme):
    organization_id, ids, engineering, _sales = acme
    join(sessions, engineering, ["ann", "bob", "cy"], ids)

    join(sessions, engineering, ["ann", "bob"], ids, at=LATER)

    with sessions.begin() as session:
        assert pending(session) == []
        assert admit_pending(session, organization_id, at=LATER) == []
        assert seats_of(session, organization_id) == (2, 2, ["ann", "bob"])


def test_renaming_a_group_into_or_out_of_the_licensed_names_moves_seats(sessions, acme):
    organization_id, ids, _engineering, sales = acme
    join(sessions, sales, ["ann"], ids)

    with sessions.begin() as session:
        group = session.get_one(ScimGroup, sales)
        group.display_name, group.display_name_key = "Engineering EU", "engineering eu"
        set_policy(session, organization_id, at=AT, licensed_groups=["Engineering EU"])
    with sessions.begin() as session:
        after_policy = seats_of(session, organization_id)
    with sessions.begin() as session:
        group = session.get_one(ScimGroup, sales)
        group.display_name, group.display_name_key = "Sales", "sales"
        set_group_members(session, group, [ids["ann"]], at=LATER, renamed=True)

    assert after_policy == (1, 1, ["ann"])
    with sessions.begin() as session:
        assert seats_of(session, organization_id) == (0, 0, [])


def test_turning_licensed_groups_off_leaves_seats_as_they_are(sessions, acme):
    organization_id, ids, engineering, _sales = acme
    join(sessions, engineering, ["ann"], ids)

    with sessions.begin() as session:
        _, synced = set_policy(session, organization_id, at=LATER, licensed_groups=[])
        later = gen_member(session, session.get_one(Organization, organization_id), "dee")

    assert synced.taken == synced.released == []
    with sessions.begin() as session:
        # Without licensed groups an active member holds a seat, as before any policy.
        assert seats_of(session, organization_id) == (2, 2, ["ann", "dee"])
        assert session.get_one(Member, later.id).active is True
