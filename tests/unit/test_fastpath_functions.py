"""The PL/pgSQL function that holds the one-statement create: as its migration wrote it,
exactly the statement as built now; and what a prebuilt statement can become."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import NamedTuple

import pytest
from sqlalchemy import insert, literal, select
from sqlalchemy.dialects import postgresql

from scim_gateway.scim import lookup
from seat_core.fastpath import NoRow, Prepared, at_once
from seat_core.fastpath.functions import function_call, function_sql, parameters
from seat_core.fastpath.statements import member


class One(NamedTuple):
    one: str


MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"


def migration(name: str):
    spec = importlib.util.spec_from_file_location(name, MIGRATIONS / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_migrations_function_holds_the_statement_as_built_now():
    # A change to TAKE_SEAT_ALONE (or to anything it is built from) fails here until a new
    # migration replaces the function with function_sql's text for it.
    created = migration("0015_take_seat_function").FUNCTION

    assert created == function_sql(at_once.TAKE_SEAT_ALONE_FUNCTION, at_once.TAKE_SEAT_ALONE)


@pytest.mark.parametrize(
    ("name", "constant"),
    [("member_by_user_name", "BY_USER_NAME"), ("member_by_external_id", "BY_EXTERNAL_ID")],
)
def test_the_lookup_functions_hold_the_lookups_as_built_now(name, constant):
    created = getattr(migration("0016_lookup_functions"), constant)

    assert created == function_sql(name, lookup.LOOKUP_FUNCTIONS[name], reads_only=True)
    assert "LANGUAGE plpgsql STABLE" in created


def test_the_call_takes_the_statements_parameters_and_names_its_result():
    call = function_call(at_once.TAKE_SEAT_ALONE_FUNCTION, at_once.TAKE_SEAT_ALONE)
    sql = call.compiled(postgresql.psycopg.dialect()).sql

    assert call.result is at_once.TAKE_SEAT_ALONE.result
    assert sql.startswith("SELECT anon_1.contract_id, anon_1.seats_used")
    for name in parameters(at_once.TAKE_SEAT_ALONE):
        assert f"%({name})s" in sql
    # The values the statement takes from literals stay in the function.
    assert "%(status_1)s" not in sql
    assert "'active'" in function_sql("f", at_once.TAKE_SEAT_ALONE)


def test_only_a_statement_that_selects_its_result_becomes_a_function():
    written = Prepared(insert(member).values(id="x"), NoRow)

    with pytest.raises(ValueError, match="selects its result"):
        function_sql("f", written)


def test_a_literal_with_white_space_is_refused_since_the_text_is_rewrapped():
    spaced = Prepared(select(literal("two words").label("one")), One)

    with pytest.raises(ValueError, match="no white space"):
        function_sql("f", spaced)
