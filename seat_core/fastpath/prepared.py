"""Statements of the seat path, compiled once per dialect and run on the driver's cursor.

Taking a seat is three or four short statements. On SQLite each runs in about 10 µs, while
SQLAlchemy's execution machinery around it (execution context, events, result metadata)
costs about 50 µs more; on the seat path that overhead was most of what the seat gate added
to a request. A Prepared statement keeps what matters of Core: the SQL is SQLAlchemy's own
compilation for the dialect, and the values go through the column types' own bind and
result processors, so dates, times and booleans are stored and read exactly as the ORM
stores and reads them. Driver errors come out as SQLAlchemy's exceptions.

Each statement names its result: a NamedTuple whose fields are the statement's result
columns, in order, checked when the statement is built. A column renamed, added or moved
then fails at import, instead of shifting the values read by position. A statement that
returns nothing takes NoRow.

Only statements without expanding parameters can be prepared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Generic, NamedTuple, TypeVar

from sqlalchemy import Connection, Dialect
from sqlalchemy.sql.dml import UpdateBase
from sqlalchemy.sql.expression import ClauseElement, Select

Processor = Callable[[Any], Any] | None
# A NamedTuple class: the named result of a statement.
R = TypeVar("R", bound=tuple[Any, ...])


class NoRow(NamedTuple):
    """The result of a statement that returns no columns."""


@dataclass(frozen=True)
class Compiled:
    """A statement compiled for one dialect: its SQL and how its values are bound."""

    sql: str
    # Bind names in the order the driver takes them, or None for named parameters.
    positions: tuple[str, ...] | None
    defaults: Mapping[str, Any]
    # The binds whose values need converting, with their converters.
    binds: tuple[tuple[str, Callable[[Any], Any]], ...]
    # The result columns' converters, or None when no column needs one.
    results: tuple[Processor, ...] | None


class Prepared(Generic[R]):
    """A Core statement run with the driver's cursor on a SQLAlchemy connection.

    Give one statement, or one per dialect name for statements in a dialect's own syntax,
    and the NamedTuple its rows are read into.

    :raises ValueError: when the statement's result columns are not the result's fields.
    """

    def __init__(
        self, statement: ClauseElement | Mapping[str, ClauseElement], result: type[R]
    ) -> None:
        fields = tuple(getattr(result, "_fields", ()))
        for each in statement.values() if isinstance(statement, Mapping) else [statement]:
            names = tuple(_result_names(each))
            if names != fields:
                raise ValueError(
                    f"the statement returns the columns {names}, "
                    f"but {result.__name__} names {fields}"
                )
        self.statements = statement
        self.result = result
        # NamedTuple's documented constructor from an iterable.
        self._make: Callable[[Iterable[Any]], R] = result._make  # type: ignore[attr-defined]
        self._no_row = not fields
        self._compiled: dict[str, Compiled] = {}

    def run(self, connection: Connection, parameters: Mapping[str, Any]) -> None:
        """Run the statement, for what it writes."""
        self._execute(connection, parameters)

    def rows(self, connection: Connection, parameters: Mapping[str, Any]) -> list[R]:
        """Run the statement and return its rows, converted as Core would convert them."""
        fetched, processors = self._execute(connection, parameters)
        if not fetched or self._no_row:
            # NoRow: what an INSERT returns of its own accord (its id, on PostgreSQL) is not read.
            return []
        make = self._make
        if processors is None:
            # Both drivers give rows as tuples, of as many values as the result has fields.
            return [make(row) for row in fetched]
        return [
            make(v if p is None else p(v) for p, v in zip(processors, row, strict=True))
            for row in fetched
        ]

    def _execute(
        self, connection: Connection, parameters: Mapping[str, Any]
    ) -> tuple[Sequence[Any], tuple[Processor, ...] | None]:
        compiled = self._compiled.get(connection.dialect.name) or self._compile(connection.dialect)
        values = {**compiled.defaults, **parameters}
        for name, process in compiled.binds:
            values[name] = process(values[name])
        arguments: Sequence[Any] | Mapping[str, Any] = (
            values if compiled.positions is None else [values[name] for name in compiled.positions]
        )
        dbapi = connection.connection.dbapi_connection
        assert dbapi is not None
        cursor = dbapi.cursor()
        try:
            cursor.execute(compiled.sql, arguments)
            fetched = cursor.fetchall() if cursor.description is not None else []
        except connection.dialect.loaded_dbapi.Error as error:
            # As SQLAlchemy's own execute handles it: wrapped in its exception and, when
            # the server is gone, the connection invalidated with every older one the pool
            # holds (a failover kills them all); no public API does this for a cursor
            # SQLAlchemy did not run.
            connection._handle_dbapi_exception(error, compiled.sql, arguments, cursor, None)
        finally:
            cursor.close()
        return fetched, compiled.results

    def first(self, connection: Connection, parameters: Mapping[str, Any]) -> R | None:
        """Run the statement and return its first row, or None when it returns none."""
        rows = self.rows(connection, parameters)
        return rows[0] if rows else None

    def compiled(self, dialect: Dialect) -> Compiled:
        """Return the statement as the driver of dialect runs it: SQL, binds and defaults."""
        return self._compiled.get(dialect.name) or self._compile(dialect)

    def _compile(self, dialect: Dialect) -> Compiled:
        statement = (
            self.statements[dialect.name]
            if isinstance(self.statements, Mapping)
            else self.statements
        )
        compiled: Any = statement.compile(dialect=dialect)
        # Each parameter the SQL names, with the bind it came from.
        named = {name: bind for bind, name in compiled.bind_names.items()}
        if any(bind.expanding for bind in named.values()):
            raise ValueError("a prepared statement cannot take expanding parameters")
        processors = {
            name: bind.type.dialect_impl(dialect).bind_processor(dialect)
            for name, bind in named.items()
        }
        # The statement's own literals ("active", the 1 of seats_used + 1) are binds too.
        defaults = {name: bind.effective_value for name, bind in named.items() if not bind.required}
        results = tuple(
            kind.dialect_impl(dialect).result_processor(dialect, None)
            for kind in _result_types(statement)
        )
        prepared = Compiled(
            sql=compiled.string,
            positions=tuple(compiled.positiontup) if compiled.positional else None,
            defaults=defaults,
            binds=tuple((name, p) for name, p in processors.items() if p is not None),
            results=results if any(results) else None,
        )
        self._compiled[dialect.name] = prepared
        return prepared


def _result_columns(statement: ClauseElement) -> list[Any]:
    if isinstance(statement, Select):
        return list(statement.selected_columns)
    if isinstance(statement, UpdateBase):
        return list(statement.exported_columns)
    return []


def _result_names(statement: ClauseElement) -> list[str]:
    if isinstance(statement, Select):
        return [str(key) for key, _ in statement.selected_columns.items()]
    if isinstance(statement, UpdateBase):
        return [str(key) for key, _ in statement.exported_columns.items()]
    return []


def _result_types(statement: ClauseElement) -> list[Any]:
    return [column.type for column in _result_columns(statement)]
