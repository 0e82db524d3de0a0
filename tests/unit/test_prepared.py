"""Prepared statements: the SQL and the value conversions of Core, on the driver's cursor."""

from datetime import UTC, date, datetime
from typing import NamedTuple

import pytest
from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from seat_core.fastpath import NoRow, Prepared
from seat_core.models import Contract, SeatEvent

from ..factories import gen_organization

AT = datetime(2025, 6, 30, 23, 59, 59, 123456, tzinfo=UTC)


def take_event(contract_id: int) -> dict:
    return {
        "contract_id": contract_id,
        "member_id": None,
        "kind": "take",
        "on": AT.date(),
        "at": AT,
    }


class Event(NamedTuple):
    on: date
    at: datetime
    kind: str
    member_id: str | None


class ContractTerm(NamedTuple):
    term_start: date
    auto_renew: bool
    status: str


class EventId(NamedTuple):
    id: int


EVENTS = Prepared(
    select(SeatEvent.on, SeatEvent.at, SeatEvent.kind, SeatEvent.member_id)
    .where(SeatEvent.contract_id == bindparam("contract_id"))
    .order_by(SeatEvent.id),
    Event,
)
RECORD = Prepared(
    insert(SeatEvent).values(
        contract_id=bindparam("contract_id"),
        member_id=bindparam("member_id"),
        kind=bindparam("kind"),
        seats_used=0,
        seats_purchased=5,
        term_index=0,
        on=bindparam("on"),
        at=bindparam("at"),
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
        contract_id = session.scalar(select(Contract.id))
        connection = session.connection()
        RECORD.run(connection, take_event(contract_id))
        orm_row = session.execute(
            select(SeatEvent.on, SeatEvent.at, SeatEvent.kind, SeatEvent.member_id).where(
                SeatEvent.kind == "take"
            )
        ).one()
        prepared_rows = EVENTS.rows(connection, {"contract_id": contract_id})
        prepared_row = [row for row in prepared_rows if row.kind == "take"]

        assert tuple(orm_row) == (date(2025, 6, 30), AT, "take", None)
        assert prepared_row == [tuple(orm_row)]
        # The statement's own literal ("active") is bound without being given.
        assert TERMS.first(connection, {}) == (date(2025, 1, 1), True, "active")
        assert organization.id is not None


def test_a_statement_returning_nothing_gives_no_row(sessions):
    with sessions.begin() as session:
        assert EVENTS.first(session.connection(), {"contract_id": 12345}) is None


def test_driver_errors_come_out_as_sqlalchemy_errors(sessions):
    with pytest.raises(IntegrityError), sessions.begin() as session:
        # No such contract: the foreign key refuses the event.
        RECORD.run(session.connection(), take_event(12345))


def test_expanding_parameters_are_refused(sessions):
    statement = Prepared(
        select(SeatEvent.id).where(SeatEvent.kind.in_(bindparam("kinds", expanding=True))),
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
