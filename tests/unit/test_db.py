"""SQLite engines: a writer waits for another's write lock, for as long as it may."""

import sqlite3
import threading

import pytest
from sqlalchemy import exc
from sqlalchemy.engine import make_url

from seat_core.db import SQLITE_BUSY_TIMEOUT_MS, make_engine


@pytest.fixture
def write_lock(sqlite_url):
    """Another connection holding the database's write lock until told to commit."""
    holder = sqlite3.connect(make_url(sqlite_url).database, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    yield holder
    holder.close()


def busy_timeout(connection):
    return connection.exec_driver_sql("PRAGMA busy_timeout").scalar()


def test_a_writer_begins_once_the_write_lock_is_released(sqlite_url, write_lock):
    engine = make_engine(sqlite_url)
    began = threading.Event()
    timeouts = []

    def write():
        with engine.begin() as connection:
            began.set()
            timeouts.append(busy_timeout(connection))

    writer = threading.Thread(target=write)
    writer.start()
    assert not began.wait(0.3), "began while another held the write lock"
    write_lock.execute("COMMIT")
    writer.join(10)

    # The waiting BEGIN had no busy_timeout of its own; the transaction has it back.
    assert timeouts == [SQLITE_BUSY_TIMEOUT_MS]
    engine.dispose()


def test_a_writer_fails_when_the_lock_is_held_past_its_busy_timeout(sqlite_url, write_lock):
    engine = make_engine(sqlite_url, busy_timeout_ms=50, pool_size=1, max_overflow=0)

    with pytest.raises(exc.OperationalError, match="database is locked"), engine.begin():
        pass

    write_lock.execute("COMMIT")
    with engine.begin() as connection:
        assert busy_timeout(connection) == 50
    engine.dispose()
