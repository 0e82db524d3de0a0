"""The contract's prepared statements (its term, the purchase's charge, the renewal) do
what their plain Core forms do, on SQLite and PostgreSQL, and read into named results."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from seat_core.fastpath import Prepared
from seat_core.fastpath import contracts as statements
from seat_core.models import Contract

from ..factories import gen_member, gen_organization
from .test_fastpath import snapshot

PREPARED = sorted(name for name, value in vars(statements).items() if isinstance(value, Prepared))


def arrange(session: Session) -> dict[str, dict[str, Any]]:
    """Set up a contract with a seat held; return each statement's values."""
    organization = gen_organization(session, seats=3)
    gen_member(session, organization, "held")
    contract = session.scalars(select(Contract)).one()
    session.flush()
    return {
        "TERM_OF": {"p_organization_id": organization.id},
        "ADD_SEATS": {
            "p_contract_id": contract.id,
            "p_term_index": contract.term_index,
            "p_seats": 2,
        },
        "RENEW_TERM": {
            "p_contract_id": contract.id,
            "p_term_index": contract.term_index,
            "p_next_index": contract.term_index + 1,
            "p_start": date(2026, 1, 1),
            "p_end": date(2027, 1, 1),
        },
        "EXPIRE_CONTRACT": {"p_contract_id": contract.id},
    }


def test_every_contract_statement_is_tested():
    assert set(PREPARED) == {"TERM_OF", "ADD_SEATS", "RENEW_TERM", "EXPIRE_CONTRACT"}


@pytest.mark.parametrize("name", PREPARED)
def test_every_contract_statement_does_what_its_core_form_does(sessions, name):
    prepared = getattr(statements, name)
    with sessions.begin() as session:
        values = arrange(session)[name]
        connection = session.connection()

        with connection.begin_nested() as attempt:
            fast_rows = prepared.rows(connection, values)
            fast_state = snapshot(session)
            attempt.rollback()
        with connection.begin_nested() as attempt:
            result = connection.execute(prepared.statements, values)
            core_rows = result.all()
            core_state = snapshot(session)
            core_names = tuple(result.keys())
            attempt.rollback()

    assert fast_rows, "arranged so that the statement returns a row"
    assert [tuple(row) for row in fast_rows] == [tuple(row) for row in core_rows]
    assert fast_state == core_state
    assert core_names == prepared.result._fields


def test_the_charge_adds_seats_in_the_quoted_term_only(sessions):
    with sessions.begin() as session:
        values = arrange(session)["ADD_SEATS"]
        connection = session.connection()

        bought = statements.ADD_SEATS.first(connection, values)
        stale = statements.ADD_SEATS.first(
            connection, {**values, "p_term_index": values["p_term_index"] - 1}
        )

        assert bought == statements.Bought(seats_used=1, seats_purchased=5, term_index=0)
        assert stale is None
        assert session.scalar(select(Contract.seats_purchased)) == 5


def test_a_renewal_carries_the_seats_in_use_into_the_next_term_once(sessions):
    with sessions.begin() as session:
        values = arrange(session)["RENEW_TERM"]
        connection = session.connection()

        renewed = statements.RENEW_TERM.first(connection, values)
        again = statements.RENEW_TERM.first(connection, values)

        # One seat in use, the plan minimum one: the new term has one seat.
        assert renewed == statements.Renewed(seats_used=1, seats_purchased=1, term_index=1)
        assert again is None
