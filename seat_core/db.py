"""Engines and sessions for SQLite (one host) and PostgreSQL (several hosts)."""

from __future__ import annotations

import random
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import Engine, create_engine, event, exc
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session, sessionmaker

SQLITE_BUSY_TIMEOUT_MS = 30_000
# A PostgreSQL connection that sat unused in the pool this long (seconds) is pinged before
# it is handed out (see _ping_when_idle).
PING_AFTER_IDLE_S = 0.25
# How the gateway reaches PostgreSQL: straight, or through a pooler in transaction mode
# (PgBouncer's pool_mode=transaction), which hands each transaction any server connection.
POOLERS = ("direct", "transaction")
# Execution option of connections that only read (see make_read_sessionmaker).
READ_ONLY = "seat_core_read_only"
# Execution option of transactions that move money (see make_durable_sessionmaker).
DURABLE = "seat_core_durable"
# Session.info key: this transaction issued an invoice or marked one paid or due.
MOVED_MONEY = "seat_core_moved_money"


def make_engine(
    url: str,
    *,
    busy_timeout_ms: int = SQLITE_BUSY_TIMEOUT_MS,
    pooler: str = "direct",
    **options: Any,
) -> Engine:
    """Create an engine; SQLite gets WAL, foreign keys, a busy timeout and BEGIN IMMEDIATE.

    busy_timeout_ms is how long an SQLite statement waits for a lock before it fails.
    pooler "transaction" is for PostgreSQL behind a transaction-mode pooler (see POOLERS).

    :raises ValueError: when pooler is not one of POOLERS.
    """
    if pooler not in POOLERS:
        raise ValueError(f"pooler must be one of {', '.join(POOLERS)}, not {pooler!r}")
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(url, busy_timeout_ms, **options)
    # psycopg sends the isolation level with each BEGIN, not as a session-level SET.
    options.setdefault("isolation_level", "READ COMMITTED")
    if pooler == "transaction":
        # psycopg prepares a statement on the server once a connection has run it five
        # times. Behind a transaction-mode pooler the next transaction may reach another
        # server connection, where that statement does not exist, or where another client's
        # statement of the same name does (docs/operations.md, Poolers). Prepare none.
        connect_args = dict(options.pop("connect_args", {}))
        connect_args["prepare_threshold"] = None
        options["connect_args"] = connect_args
    engine = create_engine(url, **options)
    if not options.get("pool_pre_ping"):
        _ping_when_idle(engine)
    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection before it is handed out, if it sat unused for a while.

    SQLAlchemy's pool_pre_ping pings at every checkout: a round trip, 140 µs of CPU and
    210 µs of waiting here, on every request, while a connection in use is known alive.
    What dies unseen is a connection left idle: the server restarted or failed over, a
    pooler or firewall closed it. So only one idle for PING_AFTER_IDLE_S is pinged, and a
    dead one is replaced (the pool's documented DisconnectionError, retried up to three
    times). One that dies while in use fails its request, which is answered 503 with
    Retry-After, and SQLAlchemy then replaces every connection of the pool.
    """

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checked_out(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE_S:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise exc.DisconnectionError(f"an idle connection was dead: {error}") from error


def _sqlite_engine(url: str, busy_timeout_ms: int, **options: Any) -> Engine:
    engine = create_engine(url, **options)

    # SQLAlchemy's documented pysqlite recipe: take over transaction control from the
    # driver, so that every transaction starts with BEGIN IMMEDIATE. Taking the write lock
    # up front means two writers queue for it instead of one failing on upgrade from a
    # read lock ("database is locked") in the middle of a request.
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")
        cursor.execute("PRAGMA journal_mode = WAL")
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        options = connection.get_execution_options()
        _set_synchronous(connection, "FULL" if options.get(DURABLE) else "NORMAL")
        if options.get(READ_ONLY):
            # A deferred BEGIN: in WAL mode a reader sees a consistent snapshot without the
            # write lock, so reads neither queue behind writers nor hold them up. Sent on
            # the driver's connection: through exec_driver_sql it cost ~30 µs a request.
            _begin_deferred(connection)
        else:
            _begin_immediate(connection, busy_timeout_ms)

    return engine


def _set_synchronous(connection: Any, level: str) -> None:
    """Set how the next commit syncs, when it changes: SQLite refuses it in a transaction.

    In WAL mode NORMAL syncs the log only at checkpoints, so a power cut can roll back the
    last commits; FULL syncs it at every commit (0.2-3 ms at p50 here, against 13 µs), which is
    kept for the transactions that move money (docs/operations.md, Durability).
    """
    record = connection.connection
    if record.info.get("synchronous", "NORMAL") != level:
        record.dbapi_connection.execute(f"PRAGMA synchronous = {level}")
        record.info["synchronous"] = level


def _begin_deferred(connection: Any) -> None:
    try:
        connection.connection.dbapi_connection.execute("BEGIN")
    except sqlite3.Error:
        # Fail as SQLAlchemy fails, with its OperationalError.
        connection.exec_driver_sql("BEGIN")


def _begin_immediate(connection: Any, busy_timeout_ms: int) -> None:
    """BEGIN IMMEDIATE, waiting for the write lock in steps of at most 2 ms.

    SQLite's own busy handler sleeps 1, 2, 5, 10 ... up to 100 ms between tries, so under a
    few concurrent writers a waiter slept through the moments the lock was free, and writes
    had p99s of 0.3-0.6 s. busy_timeout is off for the BEGIN alone, which waits here
    instead; every other statement keeps it.
    """
    dbapi = connection.connection.dbapi_connection
    deadline = time.monotonic() + busy_timeout_ms / 1000
    delay = 0.0001
    dbapi.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                dbapi.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                # The primary code: SQLITE_BUSY_RECOVERY and the like are busy too.
                busy = error.sqlite_errorcode & 0xFF == sqlite3.SQLITE_BUSY
                if not busy or time.monotonic() > deadline:
                    break
            time.sleep(random.uniform(delay / 2, delay))
            delay = min(delay * 2, 0.002)
        # Another error, or out of time: fail as SQLAlchemy fails, with its OperationalError.
        connection.exec_driver_sql("BEGIN IMMEDIATE")
    finally:
        dbapi.execute(f"PRAGMA busy_timeout = {busy_timeout_ms}")


def make_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory whose sessions keep objects usable after commit."""
    factory = sessionmaker(engine, expire_on_commit=False)
    if engine.dialect.name == "sqlite":
        event.listen(factory, "after_commit", _sync_moved_money)
    return factory


def moved_money(session: Session) -> None:
    """Note that the session's transaction moves money: see make_durable_sessionmaker."""
    session.info[MOVED_MONEY] = True


def _sync_moved_money(session: Session) -> None:
    # Money moved in an ordinary transaction: a renewal inside a seat take, which cannot
    # know it before its BEGIN. A checkpoint syncs the log, then copies it into the
    # database file, before the request is answered. A durable one was synced already.
    if not session.info.pop(MOVED_MONEY, False):
        return
    bind = session.get_bind()
    if not isinstance(bind, Engine) or bind.get_execution_options().get(DURABLE):
        return
    connection = bind.raw_connection()
    try:
        connection.cursor().execute("PRAGMA wal_checkpoint(PASSIVE)")
    finally:
        connection.close()


def make_read_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory for reads only; on SQLite they do not take the write lock."""
    return sessionmaker(engine.execution_options(**{READ_ONLY: True}), expire_on_commit=False)


def make_durable_sessionmaker(engine: Engine) -> sessionmaker[Session]:
    """Return a session factory for transactions that move money: purchases, renewals,
    invoices issued, paid or due. On SQLite they commit with synchronous=FULL, so that an
    acknowledged one survives a power cut, and every commit before it with it."""
    return sessionmaker(engine.execution_options(**{DURABLE: True}), expire_on_commit=False)


@contextmanager
def transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """Run one transaction: commit when the block ends, roll back on any exception."""
    with factory.begin() as session:
        yield session


def upsert(session: Session, table: Any) -> postgresql.Insert | sqlite.Insert:
    """Return an INSERT into the table, in the session's database's syntax, that takes
    ON CONFLICT clauses (on_conflict_do_update / on_conflict_do_nothing, alike on both)."""
    if session.get_bind().dialect.name == "sqlite":
        return sqlite.insert(table)
    return postgresql.insert(table)
