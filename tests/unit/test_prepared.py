"""Prepared statements: the SQL and the value conversions of Core, on the driver's cursor."""

from datetime import UTC, date, datetime
from typing import NamedTuple

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from seat_core.fastpath import NoRow, Prepared
from seat_core.models import Contract
from seat_core.models import Event as LogEvent

from ..factories import gen_organization

AT = datetime(2025, 6, 30, 23, 59, 59, 123456, tzinfo=UTC)


def take_event(organization_id: int) -> dict:
    return {
        "organization_id": organization_id,
        "type": "seat.taken",
        "occurred_at": AT,
        "actor_id": None,
        "data": {"on": AT.date().isoformat(), "seats_used": 1},
    }


class Event(NamedTuple):
    occurred_at: datetime
    type: str
    actor_id: str | None
    data: dict


class ContractTerm(NamedTuple):
    term_start: date
    auto_renew: bool
    status: str


class EventId(NamedTuple):
    id: int


EVENTS = Prepared(
    select(LogEvent.occurred_at, LogEvent.type, LogEvent.actor_id, LogEvent.data)
    .where(LogEvent.organization_id == bindparam("organization_id"))
    .order_by(LogEvent.id),
    Event,
)
RECORD = Prepared(
    insert(LogEvent).values(
        organization_id=bindparam("organization_id"),
        type=bindparam("type"),
        occurred_at=bindparam("occurred_at"),
        actor_type="system",
        actor_id=bindparam("actor_id"),
        data=bindparam("data"),
        xact_id=0,
    ),
    NoRow,
)
TERMS = Prepared(
    select(Contract.term_start, Contract.auto_renew, Contract.status).where(
        Contract.status == "active"
    ),
    ContractTerm,
)


def test_values_are_written_and_read_as_the_orm_writes_and_reads_them(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        connection = session.connection()
        RECORD.run(connection, take_event(organization.id))
        orm_row = session.execute(
            select(LogEvent.occurred_at, LogEvent.type, LogEvent.actor_id, LogEvent.data).where(
                LogEvent.type == "seat.taken"
            )
        ).one()
        prepared_rows = EVENTS.rows(connection, {"organization_id": organization.id})
        prepared_row = [row for row in prepared_rows if row.type == "seat.taken"]

        data = {"on": "2025-06-30", "seats_used": 1}
        assert tuple(orm_row) == (AT, "seat.taken", None, data)
        assert prepared_row == [tuple(orm_row)]
        # The statement's own literal ("active") is bound without being given.
        assert TERMS.first(connection, {}) == (date(2025, 1, 1), True, "active")
        assert organization.id is not None


def test_a_statement_returning_nothing_gives_no_row(sessions):
    with sessions.begin() as session:
        assert EVENTS.first(session.connection(), {"organization_id": 12345}) is None


def test_driver_errors_come_out_as_sqlalchemy_errors(sessions):
    with pytest.raises(IntegrityError), sessions.begin() as session:
        # No such organization: the foreign key refuses the event.
        RECORD.run(session.connection(), take_event(12345))


def test_expanding_parameters_are_refused(sessions):
    statement = Prepared(
        select(LogEvent.id).where(LogEvent.type.in_(bindparam("kinds", expanding=True))),
        EventId,
    )
    with sessions.begin() as session, pytest.raises(ValueError, match="expanding"):
        statement.rows(session.connection(), {"kinds": ["take"]})


def test_rows_are_read_into_the_named_result_of_the_statement(sessions):
    with sessions.begin() as session:
        gen_organization(session, seats=5)

        term = TERMS.first(session.connection(), {})

        assert isinstance(term, ContractTerm)
        assert (term.term_start, term.auto_renew, term.status) == (date(2025, 1, 1), True, "active")


def test_a_result_that_does_not_name_the_statements_columns_in_order_is_refused():
    class Reordered(NamedTuple):
        auto_renew: bool
        term_start: date
        status: str

    with pytest.raises(ValueError, match="Reordered names"):
        Prepared(select(Contract.term_start, Contract.auto_renew, Contract.status), Reordered)


def test_a_result_missing_a_column_is_refused():
    class Short(NamedTuple):
        term_start: date

    with pytest.raises(ValueError, match="returns the columns"):
        Prepared(select(Contract.term_start, Contract.auto_renew), Short)


def test_a_statement_returning_rows_cannot_be_read_as_no_row():
    with pytest.raises(ValueError, match="NoRow"):
        Prepared(select(Contract.id), NoRow)
