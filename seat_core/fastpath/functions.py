"""A prebuilt PostgreSQL statement kept as a PL/pgSQL function, whose plan the server keeps.

Behind a pooler in transaction mode nothing can be prepared (seat_core.db, POOLERS), so
PostgreSQL parses and plans every statement afresh: for a create's single statement of
five data-modifying CTEs that is most of its own work. A PL/pgSQL function keeps the plans
of its statements for the life of the server connection, whichever client uses it, so the
statement is sent as a short call instead, whose own parse and plan cost little.

The function is created by a migration, from the text function_sql gives for the
statement; a test holds that text to the statement as built now, so that a change to the
statement fails until a new migration replaces the function.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from typing import Any

from sqlalchemy import bindparam, column, func, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql.expression import Select

from .prepared import Prepared, R

_DIALECT = postgresql.psycopg.dialect()  # type: ignore[no-untyped-call]


def function_sql(name: str, prepared: Prepared[Any], *, reads_only: bool = False) -> str:
    """Return the CREATE OR REPLACE FUNCTION of a prebuilt PostgreSQL statement, STABLE
    when it reads only.

    The statement's parameters become the function's, by name, in the order parameters()
    gives (the body reads them as $1, $2 ...); the values it takes from literals stay
    literals. Its result columns are the function's.
    """
    statement, compiled, binds = _compiled(prepared)
    order = _parameters(binds)
    sql = compiled.string
    for bind_name, bind in binds.items():
        value = f"${order.index(bind_name) + 1}" if bind.required else _literal(bind)
        sql = sql.replace(f"%({bind_name})s", value)
    arguments = ", ".join(f"{each} {binds[each].type.compile(dialect=_DIALECT)}" for each in order)
    returned = ", ".join(
        f"{each.name} {each.type.compile(dialect=_DIALECT)}" for each in _columns(statement)
    )
    return "\n".join(
        [
            f"CREATE OR REPLACE FUNCTION {name}(",
            _wrapped(arguments, "    "),
            ")",
            "RETURNS TABLE (",
            _wrapped(returned, "    "),
            ")",
            f"LANGUAGE plpgsql {'STABLE' if reads_only else 'VOLATILE'} AS $function$",
            "#variable_conflict use_column",
            "BEGIN",
            "RETURN QUERY",
            _wrapped(sql + ";", "    "),
            "END",
            "$function$",
        ]
    )


def _wrapped(text: str, indent: str) -> str:
    """Return SQL on lines of at most 92 characters: its spaces are all alike, and none of
    its literals holds one (_literal)."""
    return textwrap.fill(
        " ".join(text.split()),
        width=92,
        initial_indent=indent,
        subsequent_indent=indent,
        break_long_words=False,
        break_on_hyphens=False,
    )


def function_call(name: str, prepared: Prepared[R]) -> Prepared[R]:
    """Return the statement that calls the function of prepared, with the same parameters
    and the same named result; on PostgreSQL only, where prepared has other dialects'."""
    statement, _, binds = _compiled(prepared)
    columns = _columns(statement)
    called = getattr(func, name)(
        *(bindparam(each, type_=binds[each].type) for each in _parameters(binds))
    ).table_valued(*(column(each.name, each.type) for each in columns))
    call = select(*(called.c[each.name] for each in columns))
    if isinstance(prepared.statements, Mapping):
        return Prepared({**prepared.statements, "postgresql": call}, prepared.result)
    return Prepared(call, prepared.result)


def parameters(prepared: Prepared[Any]) -> list[str]:
    """Return the names of the statement's parameters a caller gives, in a fixed order."""
    return _parameters(_compiled(prepared)[2])


def _parameters(binds: Mapping[str, Any]) -> list[str]:
    return sorted(name for name, bind in binds.items() if bind.required)


def _compiled(prepared: Prepared[Any]) -> tuple[Select[Any], Any, dict[str, Any]]:
    """Return PostgreSQL's statement of prepared, compiled, and its binds by name."""
    statement = prepared.statements
    if isinstance(statement, Mapping):
        statement = statement["postgresql"]
    if not isinstance(statement, Select):
        raise ValueError("only a statement that selects its result can become a function")
    compiled: Any = statement.compile(dialect=_DIALECT)
    return statement, compiled, {name: bind for bind, name in compiled.bind_names.items()}


def _columns(statement: Select[Any]) -> list[Any]:
    return list(statement.selected_columns)


def _literal(bind: Any) -> str:
    """Write a value the statement takes from a literal (1, 'active') as SQL text."""
    value = bind.effective_value
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"no literal for the value {value!r} of {bind.key}")
    if isinstance(value, int):
        return str(value)
    if any(character.isspace() for character in value):
        raise ValueError(f"a literal of a function holds no white space: {value!r}")
    return "'" + value.replace("'", "''") + "'"
