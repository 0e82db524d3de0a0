"""Engines and sessions for SQLite (one host) and PostgreSQL (several hosts)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
# Execution option of connections that only read (see make_read_sessionmaker).
READ_ONLY = "seat_core_read_only"


def make_engine(url: str, **options: Any) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, **options)
    options.setdefault("pool_pre_ping", True)
    options.setdefault("isolation_level", "READ COMMITTED")
    return create_engine(url, **options)


def _sqlite_engine(url: str, **options: Any) -> Engine:
    engine = create_engine(url, **options)

    # SQLAlchemy's documented pysqlite recipe: take over transaction control from the
    # driver, so that every transaction starts with BEGIN IMMEDIATE. Taking the write lock
    # up front means two writers queue on busy_timeout instead of one failing on upgrade
    # from a read lock ("database is locked") in the middle of a request.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        if connection.get_execution_options().get(READ_ONLY):
            # A deferred BEGIN: in WAL mode a reader sees a consistent snapshot without the
            # write lock, so reads neither queue behind writers nor hold them up.
            connection.exec_driver_sql("BEGIN")
        else:
            connection.exec_driver_sql("BEGIN IMMEDIATE")

    return engine


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory whose sessions keep objects usable after commit."""
    return sessionmaker(engine, expire_on_commit=False)


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory for reads only; on SQLite they do not take the write lock."""
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Run one transaction: commit when the block ends, roll back on any exception."""
    with factory.begin() as session:
        yield session
