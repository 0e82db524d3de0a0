"""PostgreSQL engines ping a pooled connection only when it sat unused, and replace a dead one."""

from __future__ import annotations

import time
from typing import NamedTuple

import psycopg
import pytest
from sqlalchemy import literal, select, text
from sqlalchemy.exc import DBAPIError

from seat_core.db import PING_AFTER_IDLE_S, make_engine
from seat_core.fastpath.prepared import Prepared


class One(NamedTuple):
    one: int


pytestmark = pytest.mark.postgres


def backend_pid(engine) -> int:
    with engine.connect() as connection:
        return connection.execute(text("SELECT pg_backend_pid()")).scalar_one()


def terminate(url: str, pid: int) -> None:
    """Kill the server process of a connection, as a restart or a failover would."""
    with psycopg.connect(url.replace("+psycopg", ""), autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", [pid])
        # The server process is gone once it no longer shows in pg_stat_activity.
        deadline = time.monotonic() + 5
        while admin.execute("SELECT 1 FROM pg_stat_activity WHERE pid = %s", [pid]).fetchone():
            assert time.monotonic() < deadline, "the backend outlived pg_terminate_backend"
            time.sleep(0.01)


@pytest.fixture
def engine(postgres_url):
    engine = make_engine(postgres_url, pool_size=1, max_overflow=0)
    yield engine
    engine.dispose()


def test_a_connection_killed_while_idle_is_replaced_before_a_request_uses_it(engine, postgres_url):
    first = backend_pid(engine)
    terminate(postgres_url, first)
    time.sleep(PING_AFTER_IDLE_S * 1.2)

    # Without a ping this statement would fail on the dead connection.
    assert backend_pid(engine) != first


def test_a_connection_used_again_at_once_is_not_pinged(engine, monkeypatch):
    pings = []
    real_ping = engine.dialect.do_ping
    monkeypatch.setattr(
        engine.dialect, "do_ping", lambda connection: pings.append(1) or real_ping(connection)
    )
    pid = backend_pid(engine)
    for _ in range(20):
        assert backend_pid(engine) == pid
    assert pings == []

    time.sleep(PING_AFTER_IDLE_S * 1.2)
    assert backend_pid(engine) == pid
    assert pings == [1]


def test_a_connection_killed_while_in_use_fails_its_statement_and_the_next_one_works(
    engine, postgres_url
):
    # Not idle, so not pinged: the request that finds it dead fails (answered 503), and
    # SQLAlchemy replaces the pool's connections.
    first = backend_pid(engine)
    with engine.connect() as connection:
        terminate(postgres_url, first)
        with pytest.raises(Exception, match=r"terminat|closed|lost"):
            connection.execute(text("SELECT 1"))
    assert backend_pid(engine) != first


def test_a_prepared_statement_that_finds_its_server_gone_drops_every_pooled_connection(
    postgres_url, monkeypatch
):
    # A failover: every connection of the pool is dead, not only the one in use. As for
    # SQLAlchemy's own statements, the first prepared statement that finds out tells the
    # pool, which replaces every older connection: the next requests do not each fail on
    # one. No idle ping here, so only that can save them.
    monkeypatch.setattr("seat_core.db.PING_AFTER_IDLE_S", 3600.0)
    engine = make_engine(postgres_url, pool_size=2, max_overflow=0)
    try:
        with engine.connect() as one, engine.connect() as two:
            pids = [
                each.execute(text("SELECT pg_backend_pid()")).scalar_one() for each in (one, two)
            ]
        for pid in pids:
            terminate(postgres_url, pid)
        with engine.connect() as connection, pytest.raises(DBAPIError) as failed:
            Prepared(select(literal(1).label("one")), One).rows(connection, {})
        assert failed.value.connection_invalidated
        for _ in pids:
            assert backend_pid(engine) not in pids
    finally:
        engine.dispose()
