"""create_member: a new member written on a bare connection, as add_member writes it."""

from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker

from seat_core import add_member, create_member, identity_key, new_member, set_policy
from seat_core.models import Contract, Event, Member, Outbox, Seat

from ..factories import AT, gen_member, gen_organization


def fresh(organization_id: int, name: str) -> Member:
    member = new_member(organization_id, source="scim", at=AT, user_name=name)
    member.scim = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": name}
    return member


def create(engine: Engine, member: Member, *, active: bool) -> bool | None:
    """Run create_member in a transaction of its own; roll back when it declines."""
    with engine.connect() as connection:
        began = connection.begin()
        taken = create_member(connection, member, at=AT, active=active)
        if taken is None:
            began.rollback()
        else:
            began.commit()
    return taken


def written(sessions: sessionmaker[Session], member_id: str) -> tuple:
    """Read back what a create wrote about one member."""
    with sessions() as session:
        member = session.get(Member, member_id)
        seats = session.scalars(select(Seat.member_id).where(Seat.member_id == member_id)).all()
        # The usage history: the logged events that carry the counts (seat_core/history.py).
        history = session.scalars(
            select(Event.type).where(
                Event.data["member_id"].as_string() == member_id,
                Event.data["on"].as_string().is_not(None),
            )
        ).all()
        logged = session.scalars(
            select(Event.type)
            .where(Event.data["member_id"].as_string() == member_id)
            .order_by(Event.id)
        ).all()
        used = session.scalar(select(Contract.seats_used))
        return member, len(seats), list(history), list(logged), used


def test_an_active_member_is_written_with_its_seat_history_and_events(engine, sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=3)
    member = fresh(organization.id, "ann@okta.local")

    assert create(engine, member, active=True) is True

    stored, seats, history, logged, used = written(sessions, member.id)
    assert (stored.active, stored.version, stored.user_name_key) == (
        True,
        1,
        identity_key("ann@okta.local"),
    )
    assert (seats, history, used) == (1, ["seat.taken"], 1)
    assert logged == ["member.created", "seat.taken"]


def test_an_inactive_member_is_written_without_a_seat(engine, sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=3)
    member = fresh(organization.id, "bob@okta.local")

    assert create(engine, member, active=False) is False

    stored, seats, history, logged, used = written(sessions, member.id)
    assert (stored.active, seats, history, used) == (False, 0, [], 0)
    assert logged == ["member.created"]


def test_under_licensed_groups_a_new_member_is_active_without_a_seat(engine, sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=3)
        set_policy(session, organization.id, at=AT, licensed_groups=["Staff"])
    member = fresh(organization.id, "cy@okta.local")

    created = create(engine, member, active=True)
    if engine.dialect.name == "postgresql":
        # The one-statement take refuses under licensed groups: the slow way writes it.
        assert created is None
        assert written(sessions, member.id)[0] is None
        with sessions.begin() as session:
            assert add_member(session, member, at=AT, active=True) is False
    else:
        assert created is False

    stored, seats, _, logged, used = written(sessions, member.id)
    assert (stored.active, seats, logged, used) == (True, 0, ["member.created"], 0)


def test_with_no_seat_free_it_declines_and_the_rollback_leaves_nothing(engine, sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "held")
    member = fresh(organization.id, "dee@okta.local")

    assert create(engine, member, active=True) is None

    # Left as add_member expects a member it has never seen: inactive, unwritten.
    assert member.active is False
    stored, seats, history, logged, used = written(sessions, member.id)
    assert (stored, seats, history, logged, used) == (None, 0, [], [], 1)


def test_a_take_that_reaches_a_threshold_writes_its_alert_in_the_same_transaction(engine, sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        for name in ("a", "b", "c"):
            gen_member(session, organization, name)
    member = fresh(organization.id, "eve@okta.local")

    assert create(engine, member, active=True) is True  # 4 of 5: 80 %

    with sessions() as session:
        alerts = session.scalars(select(Outbox).where(Outbox.event == "usage.threshold")).all()
        assert [alert.payload["threshold"] for alert in alerts] == [80]
        assert alerts[0].payload["seats_in_use"] == 4

    # Fired once: the next take finds 80 % disarmed and fires nothing new below 90 %.
    assert create(engine, fresh(organization.id, "fay@okta.local"), active=True) is True
    with sessions() as session:
        thresholds = session.scalars(
            select(Outbox.payload).where(Outbox.event == "usage.threshold")
        ).all()
        assert [payload["threshold"] for payload in thresholds] == [80, 100]
