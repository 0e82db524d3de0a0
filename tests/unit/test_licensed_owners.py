"""Licensed groups bind owners too: no seat by hand outside them, no silent releases."""

import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select, text

from seat_core import (
    NotLicensed,
    ReleasesUnconfirmed,
    admit_request,
    admit_waiting,
    assign_seat,
    identity_key,
    policy_of,
    record_refusal,
    releases_for,
    set_group_members,
    set_policy,
)
from seat_core.models import (
    Contract,
    Event,
    Member,
    Organization,
    ScimGroup,
    Seat,
    SeatRequest,
)

from ..factories import AT, gen_group, gen_member, gen_organization, seat_holders

LATER = AT + timedelta(hours=1)


def seats_of(session):
    """Return (seats in use, seat rows, holders' user names) read from the database."""
    used = session.scalar(select(Contract.seats_used))
    rows = session.scalar(select(func.count()).select_from(Seat))
    return used, rows, seat_holders(session)


def request_for(session, organization_id, name, member_id=None):
    """Record a refused sign-in of name as a pending seat request; return its id."""
    return record_refusal(
        session,
        session.get_one(Organization, organization_id),
        channel="sso",
        identity=name,
        identity_key=identity_key(name),
        at=AT,
        member_id=member_id,
    ).id


@pytest.fixture
def acme(sessions):
    """Acme, 5 seats, licensed groups Engineering and Support; ann (Engineering) and
    bob (Sales) inactive, without seats."""
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        ann = gen_member(session, organization, "ann", active=False)
        bob = gen_member(session, organization, "bob", active=False)
        set_policy(session, organization.id, at=AT, licensed_groups=["Engineering", "Support"])
        set_group_members(session, gen_group(session, organization, "Engineering"), [ann.id], at=AT)
        set_group_members(session, gen_group(session, organization, "Sales"), [bob.id], at=AT)
        return organization.id, ann.id, bob.id


def test_a_seat_by_hand_is_refused_outside_the_licensed_groups_naming_them(sessions, acme):
    _organization_id, ann, bob = acme

    with pytest.raises(NotLicensed) as refused, sessions.begin() as session:
        assign_seat(session, session.get_one(Member, bob), at=LATER)
    with sessions.begin() as session:
        after_refusal = seats_of(session), session.get_one(Member, bob).active
        taken = assign_seat(session, session.get_one(Member, ann), at=LATER)
    with sessions.begin() as session:
        after_assign = seats_of(session), session.get_one(Member, ann).active

    assert refused.value.message == (
        "bob is in none of the licensed groups (Engineering, Support): only their members "
        "may hold a seat. Add them to one in your identity provider."
    )
    assert refused.value.reason == "unlicensed"
    assert after_refusal == ((0, 0, []), False)
    assert taken is True
    assert after_assign == ((1, 1, ["ann"]), True)


def wait_for_a_lock_waiter(engine):
    """Return once another PostgreSQL transaction waits for a row lock (at most ~30 s)."""
    with engine.connect() as connection:
        for _ in range(3000):
            waiting = connection.execute(
                text(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE datname = current_database() AND wait_event_type = 'Lock'"
                )
            ).scalar()
            connection.rollback()
            if waiting:
                return
            threading.Event().wait(0.01)
    raise AssertionError("the assignment never waited for the group removal's lock")


def test_an_assignment_racing_a_removal_from_the_group_waits_and_is_refused(sessions, engine, acme):
    _organization_id, ann, _bob = acme
    removal = sessions()
    removal.begin()
    group = removal.scalars(select(ScimGroup).where(ScimGroup.display_name == "Engineering")).one()
    set_group_members(removal, group, [], at=LATER)
    removal.flush()
    outcome = []

    def assign():
        try:
            with sessions.begin() as session:
                outcome.append(assign_seat(session, session.get_one(Member, ann), at=LATER))
        except NotLicensed as refusal:
            outcome.append(refusal)

    racer = threading.Thread(target=assign)
    racer.start()
    if engine.dialect.name == "postgresql":
        wait_for_a_lock_waiter(engine)  # SQLite: the racer waits for the write lock itself
    removal.commit()
    removal.close()
    racer.join()

    assert len(outcome) == 1 and isinstance(outcome[0], NotLicensed)
    with sessions.begin() as session:
        assert seats_of(session) == (0, 0, [])
        assert session.get_one(Member, ann).active is False


def test_without_licensed_groups_any_member_gets_a_seat_by_hand(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        member_id = gen_member(session, organization, "bob", active=False).id
    with sessions.begin() as session:
        taken = assign_seat(session, session.get_one(Member, member_id), at=LATER)
    with sessions.begin() as session:
        assert taken is True
        assert seats_of(session) == (1, 1, ["bob"])


def test_admitting_a_request_outside_the_licensed_groups_is_refused_and_writes_nothing(
    sessions, acme
):
    organization_id, _ann, bob = acme
    with sessions.begin() as session:
        bobs = request_for(session, organization_id, "bob", member_id=bob)
        # A refused first sign-in: no member yet, so in no group.
        newcomers = request_for(session, organization_id, "newcomer@acme.test")

    for request_id in (bobs, newcomers):
        with pytest.raises(NotLicensed), sessions.begin() as session:
            admit_request(session, session.get_one(SeatRequest, request_id), at=LATER)

    with sessions.begin() as session:
        assert seats_of(session) == (0, 0, [])
        statuses = session.scalars(select(SeatRequest.status).order_by(SeatRequest.id)).all()
        assert statuses == ["pending", "pending"]
        assert session.scalars(select(Member.user_name).order_by(Member.user_name)).all() == [
            "ann",
            "bob",
        ]


def test_admit_all_skips_and_names_people_outside_the_licensed_groups(sessions, acme):
    organization_id, ann, bob = acme
    with sessions.begin() as session:
        request_for(session, organization_id, "bob", member_id=bob)
        request_for(session, organization_id, "ann", member_id=ann)
        request_for(session, organization_id, "newcomer@acme.test")

    done = admit_waiting(sessions, organization_id, at=LATER)

    assert (done.admitted, done.waiting, done.refusal) == (1, 3, None)
    assert done.skipped == ("bob", "newcomer@acme.test")
    with sessions.begin() as session:
        assert seats_of(session) == (1, 1, ["ann"])
        statuses = dict(session.execute(select(SeatRequest.identity, SeatRequest.status)).all())
        assert statuses == {"bob": "pending", "ann": "admitted", "newcomer@acme.test": "pending"}


@pytest.fixture
def holders(sessions):
    """Acme, 10 seats, no policy; seven seat holders, ann in Engineering, the others not."""
    names = ["ann", "bob", "cy", "dee", "eve", "fay", "gus"]
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10)
        ids = {name: gen_member(session, organization, name).id for name in names}
        set_group_members(
            session, gen_group(session, organization, "Engineering"), [ids["ann"]], at=AT
        )
        return organization.id, ids


def test_licensed_groups_that_would_release_seats_are_refused_until_confirmed(sessions, holders):
    organization_id, ids = holders

    with pytest.raises(ReleasesUnconfirmed) as unconfirmed, sessions.begin() as session:
        set_policy(session, organization_id, at=LATER, licensed_groups=["engineering"])
    with sessions.begin() as session:
        untouched = (
            policy_of(session, organization_id).licensed_groups,
            seats_of(session)[0],
            session.scalar(
                select(func.count()).select_from(Event).where(Event.type == "policy.changed")
            ),
        )
    with sessions.begin() as session:
        _, synced = set_policy(
            session,
            organization_id,
            at=LATER,
            licensed_groups=["engineering"],
            confirm_releases=True,
        )

    assert unconfirmed.value.releases.as_json() == {
        "seats_to_release": 6,
        "members": ["bob", "cy", "dee", "eve", "fay"],
    }
    assert unconfirmed.value.message == (
        "6 seat holders in none of the licensed groups would lose their seat: "
        "bob, cy, dee, eve, fay and 1 more. Confirm to release them."
    )
    assert untouched == ([], 7, 0)
    assert sorted(synced.released) == sorted(ids[n] for n in ids if n != "ann")
    with sessions.begin() as session:
        assert seats_of(session) == (1, 1, ["ann"])
        released = session.scalars(select(Event.data).where(Event.type == "seat.released")).all()
        assert [data["reason"] for data in released] == ["unlicensed"] * 6
        changes = session.scalars(select(Event).where(Event.type == "policy.changed")).all()
        assert [change.data["after"]["licensed_groups"] for change in changes] == [["engineering"]]
        assert policy_of(session, organization_id).licensed_groups == ["engineering"]


def test_a_change_releasing_nobody_needs_no_confirmation(sessions, holders):
    organization_id, _ids = holders
    with sessions.begin() as session:
        set_group_members(
            session,
            gen_group(session, session.get_one(Organization, organization_id), "Everyone"),
            list(session.scalars(select(Member.id))),
            at=AT,
        )

    with sessions.begin() as session:
        to_release = releases_for(session, organization_id, ["Everyone"])
        turning_off = releases_for(session, organization_id, [])
        _, synced = set_policy(session, organization_id, at=LATER, licensed_groups=["Everyone"])

    assert (to_release.count, to_release.names) == (0, [])
    assert turning_off.count == 0
    assert synced.released == []
    with sessions.begin() as session:
        assert seats_of(session)[0] == 7
        assert policy_of(session, organization_id).licensed_groups == ["Everyone"]
