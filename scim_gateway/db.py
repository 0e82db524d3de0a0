"""The app's database: one engine per process, one transaction per request."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TypeVar

from flask import Flask, current_app
from sqlalchemy import Connection, Engine
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from seat_core import events, make_engine, make_read_sessionmaker, make_sessionmaker
from seat_core.db import READ_ONLY, make_durable_sessionmaker

T = TypeVar("T")
# A UNIQUE index refusing a duplicate: PostgreSQL's SQLSTATE, SQLite's extended code name.
UNIQUE_VIOLATIONS = frozenset({"23505", "SQLITE_CONSTRAINT_UNIQUE"})


class Database:
    """The engine and session factory of one app, created on first use after fork."""

    def __init__(self, url: str, pooler: str = "direct", pool_timeout: float = 30) -> None:
        self.url = url
        self.pooler = pooler
        self.pool_timeout = pool_timeout
        self._engine: Engine | None = None
        self._sessions: sessionmaker[Session] | None = None
        self._read_sessions: sessionmaker[Session] | None = None
        self._durable_sessions: sessionmaker[Session] | None = None
        self._read_engine: Engine | None = None
        self._pid: int | None = None

    @property
    def engine(self) -> Engine:
        # gunicorn forks workers: a pool inherited across fork would share sockets.
        if self._engine is None or self._pid != os.getpid():
            parsed = make_url(self.url)
            # A URI filename ("file:...?mode=ro&uri=true") is opened as SQLite reads it,
            # and names no directory to make.
            uri = parsed.query.get("uri") == "true"
            if parsed.get_backend_name() == "sqlite" and parsed.database and not uri:
                Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
            self._engine = make_engine(self.url, pooler=self.pooler, pool_timeout=self.pool_timeout)
            self._sessions = make_sessionmaker(self._engine)
            self._read_sessions = make_read_sessionmaker(self._engine)
            self._durable_sessions = make_durable_sessionmaker(self._engine)
            self._read_engine = self._engine.execution_options(**{READ_ONLY: True})
            self._pid = os.getpid()
        return self._engine

    @property
    def sessions(self) -> sessionmaker[Session]:
        _ = self.engine  # creates the session factory with it
        assert self._sessions is not None
        return self._sessions

    @property
    def read_sessions(self) -> sessionmaker[Session]:
        _ = self.engine  # creates the session factory with it
        assert self._read_sessions is not None
        return self._read_sessions

    @property
    def durable_sessions(self) -> sessionmaker[Session]:
        _ = self.engine  # creates the session factory with it
        assert self._durable_sessions is not None
        return self._durable_sessions

    @property
    def read_engine(self) -> Engine:
        _ = self.engine  # creates the read-only engine with it
        assert self._read_engine is not None
        return self._read_engine

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None


def init_app(app: Flask) -> None:
    """Attach the database to the app."""
    app.extensions["db"] = Database(
        app.config["DATABASE_URL"],
        app.config["DATABASE_POOLER"],
        app.config["DATABASE_POOL_TIMEOUT"],
    )
    # Each request starts as the system; its blueprint names who acts once it knows.
    # A worker thread serves request after request: no actor may outlive its request.
    app.before_request(_system_acts)
    app.teardown_request(_system_acts)


def _system_acts(*_: object) -> None:
    events.act_as(events.SYSTEM)


def database() -> Database:
    """Return the current app's database."""
    db: Database = current_app.extensions["db"]
    return db


@contextmanager
def transaction(*, durable: bool = False) -> Iterator[Session]:
    """Run one transaction: commit if the block ends normally, roll back on any exception.

    Views raise for every error response, so a refused request leaves nothing behind.
    durable is for a transaction that moves money (seat_core.db.make_durable_sessionmaker).
    """
    factory = database().durable_sessions if durable else database().sessions
    with factory.begin() as session:
        yield session


def retried_on_duplicate(work: Callable[[], T], *, attempts: int = 3) -> T:
    """Run work, which opens its own transaction, again when a UNIQUE index refused its row.

    Two first sign-ins of one person at once both find no member and both insert one; on
    PostgreSQL (READ COMMITTED) the second INSERT waits for the first to commit and then
    fails. Run again, the loser finds the member the winner committed. SQLite serializes
    writers (BEGIN IMMEDIATE), so there it never happens.
    """
    for attempt in range(1, attempts + 1):
        try:
            return work()
        except IntegrityError as error:
            cause = error.orig
            code = getattr(cause, "sqlstate", None) or getattr(cause, "sqlite_errorname", None)
            if code not in UNIQUE_VIOLATIONS or attempt == attempts:
                raise
    raise AssertionError("unreachable")  # pragma: no cover


@contextmanager
def write_connection() -> Iterator[Connection]:
    """Run one transaction on a bare connection, for a change made by prepared statements.

    What transaction() does without an ORM session: BEGIN IMMEDIATE on SQLite, a COMMIT if
    the block ends normally and a ROLLBACK on any exception. The block may roll back itself
    (connection.rollback()), and nothing is committed then.
    """
    with database().engine.begin() as connection:
        yield connection


def write_engine() -> Engine:
    """Return the engine that writes, to ask what its database can do."""
    return database().engine


@contextmanager
def write_statement() -> Iterator[Connection]:
    """Open a bare connection in autocommit, for one prebuilt statement that writes.

    Only for a statement that is a whole transaction by itself, on PostgreSQL, which runs
    each statement atomically: no BEGIN and no COMMIT, two round trips fewer.
    """
    with database().engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection


@contextmanager
def read_only() -> Iterator[Session]:
    """Open a session for reads; nothing it holds is ever written back.

    On SQLite it does not take the write lock (see make_read_sessionmaker). It ends in a
    COMMIT with nothing to commit rather than in a ROLLBACK: on PostgreSQL a ROLLBACK makes
    psycopg forget the statements it prepared on the connection, and since every request
    reads first, no statement would ever be used often enough to be prepared.
    """
    with database().read_sessions() as session:
        yield session
        session.expunge_all()
        session.commit()


@contextmanager
def read_connection() -> Iterator[Connection]:
    """Open a read-only transaction on a bare connection, for prebuilt statements alone.

    What read_only() does without an ORM session around it (about 200 µs of Python a
    request): a deferred BEGIN on SQLite, and a COMMIT at the end on both databases.
    """
    with database().read_engine.connect() as connection, connection.begin():
        yield connection


@contextmanager
def read_statement() -> Iterator[Connection]:
    """Open a bare connection for one prebuilt statement that reads, with no BEGIN and no
    COMMIT: a single statement reads one snapshot of its own on either database.

    On PostgreSQL in autocommit, two round trips fewer. On SQLite the driver never begins a
    transaction by itself here (seat_core/db.py), and no SQLAlchemy execute begins one, so
    the statement runs in SQLite's own autocommit.
    """
    engine = database().read_engine
    if engine.dialect.name != "postgresql":
        with engine.connect() as connection:
            yield connection
        return
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
        yield connection
