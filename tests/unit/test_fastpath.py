"""The fast path: each prepared statement does what its plain Core form does, and the
joined take writes a new member and its seat in one statement."""

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from sqlalchemy import delete, select, text
from sqlalchemy.orm import Session

from seat_core import (
    add_member,
    create_member,
    events,
    identity_key,
    make_engine,
    make_sessionmaker,
    record_refusal,
    take_seat,
)
from seat_core.actors import Actor
from seat_core.fastpath import Prepared, at_once, statements
from seat_core.fastpath.identity_map import new_row
from seat_core.models import Contract, Event, Member, PolicyGroup
from seat_core.takes import identity_keys

from ..factories import AT, gen_member, gen_organization

# The single-statement takes find the contract's local day with PostgreSQL's timezone().
POSTGRESQL_ONLY = {
    "TAKE_SEAT_AT_ONCE",
    "TAKE_SEAT_JOINING",
    "TAKE_SEAT_CREATING",
    "TAKE_SEAT_ALONE",
    "TAKE_SEAT_ALONE_CALL",
    "CREATE_INACTIVE_ALONE",
}
# What a statement is held to, where it is not its own Core form: the call of a function
# (migration 0015) does exactly what the statement the function holds does.
CORE_FORM = {"TAKE_SEAT_ALONE_CALL": at_once.TAKE_SEAT_ALONE.statements}
# Every statement of the seat path, by name: SQLite's steps and PostgreSQL's at once.
STATEMENTS = {
    name: value
    for module in (statements, at_once)
    for name, value in vars(module).items()
    if isinstance(value, Prepared)
}
PREPARED = sorted(STATEMENTS)
# What a statement may change; ids from sequences are left out (PostgreSQL's do not roll back).
TABLES = ("contract", "seat", "seat_request", "member", "threshold_state", "event")


def new_member(organization, user_name):
    """A member added to the session and not flushed: the take writes it."""
    return Member(
        organization_id=organization.id,
        user_name=user_name,
        user_name_key=identity_key(user_name),
        created_at=AT,
        updated_at=AT,
    )


def arrange(session: Session) -> dict[str, dict[str, Any]]:
    """Set up a contract with a seat held and a member waiting; return each statement's values."""
    organization = gen_organization(session, seats=3)
    gen_member(session, organization, "held")
    ann = gen_member(session, organization, "ann", active=False)
    record_refusal(
        session,
        organization,
        channel="sso",
        identity="ann",
        identity_key=identity_key("ann"),
        at=AT,
    )
    holder = session.scalars(select(Member).where(Member.user_name == "held")).one()
    contract_id = session.scalars(select(Contract.id)).one()
    # Seats follow a licensed group, which LICENSED_GROUP finds; the statements ignore it.
    session.add(
        PolicyGroup(
            organization_id=organization.id,
            kind="licensed",
            display_name_key="staff",
            display_name="Staff",
        )
    )
    joining = new_member(organization, "bob")
    row = new_row(joining)
    session.flush()
    common = {"p_organization_id": organization.id, "p_member_id": ann.id, "p_at": AT}
    keys = identity_keys(ann)
    # Who takes the seat, for the seat.taken event the PostgreSQL takes log themselves.
    actor = {
        "p_actor_type": "scim_token",
        "p_actor_id": "7",
        "p_actor_label": "Okta",
        "p_subject": "ann",
    }
    day = AT.date()
    alone = {
        **common,
        **identity_keys(joining),
        **actor,
        "p_member_id": joining.id,
        "p_on": None,
        **row,
    }
    return {
        "TAKE_SEAT": {
            **common,
            **keys,
            "p_on": day - timedelta(days=1),
            "p_until": day + timedelta(days=1),
        },
        "TAKE_SEAT_AT_ONCE": {**common, **keys, **actor, "p_on": None},
        "TAKE_SEAT_JOINING": {
            **common,
            **identity_keys(joining),
            **actor,
            "p_member_id": joining.id,
            "p_on": None,
            **row,
        },
        "TAKE_SEAT_CREATING": {
            **common,
            **identity_keys(joining),
            **actor,
            "p_member_id": joining.id,
            "p_on": None,
            **row,
        },
        "TAKE_SEAT_ALONE": alone,
        # Its call takes the same parameters.
        "TAKE_SEAT_ALONE_CALL": alone,
        "CREATE_INACTIVE_ALONE": {
            **row,
            **events.parameters(
                organization.id,
                "member.created",
                AT,
                "bob",
                {"member_id": joining.id, "active": False, "source": "scim"},
                Actor("scim_token", "7", "Okta"),
            ),
        },
        "INSERT_SEAT": {**common, "p_contract_id": contract_id},
        "INSERT_MEMBER": row,
        "LICENSED_GROUP": {"p_organization_id": organization.id},
        "ADMIT_REQUESTS": {**common, **keys},
        "DELETE_SEAT": {"p_member_id": holder.id},
        "RELEASE_SEAT": {"p_contract_id": contract_id},
    }


def snapshot(session: Session) -> dict[str, list[tuple]]:
    """Return every row of the tables a seat statement may change, without serial ids."""
    tables = {}
    for name in TABLES:
        result = session.execute(text(f"SELECT * FROM {name}"))
        names = list(result.keys())
        columns = [c for c in names if not (c == "id" and name != "member")]
        tables[name] = sorted(
            (tuple(str(row._mapping[c]) for c in columns) for row in result), key=str
        )
    return tables


@pytest.mark.parametrize("name", [name for name in PREPARED if name not in POSTGRESQL_ONLY])
def test_every_prepared_statement_does_what_its_core_form_does(sessions, name):
    assert_same_as_core(sessions, name)


@pytest.mark.postgres
@pytest.mark.parametrize("name", sorted(POSTGRESQL_ONLY))
def test_every_postgresql_take_does_what_its_core_form_does(postgres_url, name):
    engine = make_engine(postgres_url)
    try:
        assert_same_as_core(make_sessionmaker(engine), name)
    finally:
        engine.dispose()


def assert_same_as_core(sessions, name):
    """Run the prepared statement and its Core form on the same rows; compare all they do."""
    prepared = STATEMENTS[name]
    with sessions.begin() as session:
        values = arrange(session)[name]
        if name in ("TAKE_SEAT_CREATING", "TAKE_SEAT_ALONE", "TAKE_SEAT_ALONE_CALL"):
            # It refuses under licensed groups (test_create_member.py).
            session.execute(delete(PolicyGroup))
        connection = session.connection()

        with connection.begin_nested() as attempt:
            fast_rows = prepared.rows(connection, values)
            fast_state = snapshot(session)
            attempt.rollback()
        with connection.begin_nested() as attempt:
            result = connection.execute(CORE_FORM.get(name, prepared.statements), values)
            core_rows = result.all() if result.returns_rows else []
            core_state = snapshot(session)
            core_names = tuple(result.keys()) if result.returns_rows else ()
            attempt.rollback()

    assert [tuple(row) for row in fast_rows] == [tuple(row) for row in core_rows]
    assert fast_state == core_state
    # An INSERT's implicit RETURNING of its id is not a result the statement names.
    if prepared.result._fields:
        assert core_names == prepared.result._fields
        assert fast_rows, "arranged so that every statement returning rows returns one"


def count_statements(session: Session) -> list[str]:
    """Record each SQL string the driver runs on the session's connection from now on."""
    executed: list[str] = []
    raw = session.connection().connection.dbapi_connection
    if session.get_bind().dialect.name == "sqlite":
        raw.set_trace_callback(executed.append)
    else:

        class Counting(psycopg.Cursor):
            def execute(self, query, params=None, **options):
                executed.append(str(query))
                return super().execute(query, params, **options)

        raw.cursor_factory = Counting
    return executed


def stop_counting(session: Session) -> None:
    raw = session.connection().connection.dbapi_connection
    if session.get_bind().dialect.name == "sqlite":
        raw.set_trace_callback(None)
    else:
        raw.cursor_factory = psycopg.Cursor


@pytest.mark.postgres
def test_a_new_members_insert_joins_the_take_in_one_statement_on_postgresql(postgres_url):
    engine = make_engine(postgres_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            organization = gen_organization(session, seats=2)
            bob = new_member(organization, "bob")
            session.add(bob)
            executed = count_statements(session)
            try:
                assert take_seat(session, bob, at=AT) is True
            finally:
                stop_counting(session)

            assert len(executed) == 1
            assert "INSERT INTO member" in executed[0] and "UPDATE contract" in executed[0]
            assert session.get(Member, bob.id).active is True
    finally:
        engine.dispose()


@pytest.mark.postgres
def test_the_take_is_not_joined_once_the_view_has_flushed_the_new_member(postgres_url):
    engine = make_engine(postgres_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            organization = gen_organization(session, seats=2)
            bob = new_member(organization, "bob")
            session.add(bob)
            session.flush()
            executed = count_statements(session)
            try:
                assert take_seat(session, bob, at=AT) is True
            finally:
                stop_counting(session)

            # The flush of active = True, then the take alone.
            assert len(executed) == 2
            assert "INSERT INTO member" not in executed[1]
    finally:
        engine.dispose()


def test_taking_a_seat_for_a_written_member_costs_a_fixed_number_of_statements(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        ann = gen_member(session, organization, "ann", active=False)
        ann.active = True
        session.flush()
        executed = count_statements(session)
        try:
            assert take_seat(session, ann, at=AT) is True
        finally:
            stop_counting(session)
        sqlite = session.get_bind().dialect.name == "sqlite"

    # SQLite: TAKE_SEAT, INSERT_SEAT and the event log's INSERT of seat.taken;
    # PostgreSQL: TAKE_SEAT_AT_ONCE, which logs the event too.
    assert len(executed) == (3 if sqlite else 1), executed
    assert ("INSERT INTO event" in executed[-1]) if sqlite else ("INSERT INTO event" in executed[0])


@pytest.mark.parametrize("active", [True, False])
def test_a_new_member_is_written_by_prepared_statements_not_a_flush(sessions, active):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        session.flush()
        cy = new_member(organization, "cy")
        executed = count_statements(session)
        try:
            assert add_member(session, cy, at=AT, active=active) is active
            # Nothing left for the ORM to flush at COMMIT.
            assert not session.new and not session.dirty
        finally:
            stop_counting(session)
        sqlite = session.get_bind().dialect.name == "sqlite"

    # The event log's member.created first; then, when active, the seat policy's
    # licensed-groups lookup and on SQLite the member's INSERT, TAKE_SEAT, INSERT_SEAT and
    # the seat.taken event; on PostgreSQL the joined take, which logs seat.taken itself.
    # Inactive: the INSERT alone.
    assert len(executed) == ((6 if sqlite else 3) if active else 2), executed
    assert "INSERT INTO event" in executed.pop(0)
    if active:
        assert "FROM seat_policy_group" in executed.pop(0)
    assert "INSERT INTO member" in executed[0]
    with sessions() as session:
        stored = session.scalars(select(Member).where(Member.user_name == "cy")).one()
        assert (stored.id, stored.active, stored.version) == (cy.id, active, 1)
        assert stored.user_name_key == identity_key("cy")
        assert stored.created_at == AT
        seats = session.scalar(text("SELECT count(*) FROM seat WHERE member_id = :m"), {"m": cy.id})
        assert seats == (1 if active else 0)


def test_an_active_create_is_one_statement_on_postgresql_and_logs_both_events_in_one(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        session.flush()
        cy = new_member(organization, "cy")
        cy.source = "scim"
        connection = session.connection()
        executed = count_statements(session)
        try:
            assert create_member(connection, cy, at=AT, active=True) is True
        finally:
            stop_counting(session)
        sqlite = session.get_bind().dialect.name == "sqlite"

    if sqlite:
        # The licensed-groups lookup, the member, TAKE_SEAT, INSERT_SEAT, then both events.
        assert len(executed) == 5, executed
        assert "INSERT INTO event" in executed[-1] and "), (" in executed[-1]
    else:
        # One round trip: the member, the take, its seat and both events.
        [statement] = executed
        assert all(
            part in statement
            for part in ("INSERT INTO member", "UPDATE contract", "INSERT INTO seat", "event")
        )
    with sessions() as session:
        logged = session.execute(
            select(Event.type, Event.data).where(Event.subject == "cy").order_by(Event.id)
        ).all()
        used = session.scalar(select(Contract.seats_used))
    history = {"seats_used": 1, "seats_purchased": 2, "term_index": 0, "on": "2025-03-01"}
    assert [tuple(row) for row in logged] == [
        ("member.created", {"member_id": cy.id, "active": True, "source": "scim"}),
        ("seat.taken", {"member_id": cy.id, **history}),
    ]
    assert used == 1


@pytest.mark.postgres
def test_a_create_needs_no_server_side_prepared_statements(postgres_url):
    # A transaction-mode pooler hands each transaction to any server connection: psycopg
    # must then prepare nothing (prepare_threshold=None), and the create still works.
    engine = make_engine(postgres_url, connect_args={"prepare_threshold": None})
    try:
        for round_ in range(8):  # past psycopg's default threshold of 5 runs
            with make_sessionmaker(engine).begin() as session:
                if round_ == 0:
                    organization = gen_organization(session, seats=20)
                    session.flush()
                member = new_member(organization, f"p{round_}")
                assert create_member(session.connection(), member, at=AT, active=True) is True
        with engine.connect() as connection:
            prepared = connection.exec_driver_sql("SELECT count(*) FROM pg_prepared_statements")
            assert prepared.scalar() == 0
            assert connection.scalar(select(Contract.seats_used)) == 8
    finally:
        engine.dispose()
