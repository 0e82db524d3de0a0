"""Test databases: a migrated SQLite file per test, a migrated PostgreSQL database per run."""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import Engine

from scim_gateway.migrate import upgrade
from seat_core import make_engine
from seat_core.models import Base

# The server the suite runs against; CI starts it. Override for another server.
POSTGRES_ADMIN_URL = os.environ.get(
    "SCIM_GATEWAY_TEST_POSTGRES", "postgresql://postgres@127.0.0.1:5432/test"
)


# The URLs of this run that go through a transaction-mode PgBouncer, in the environment so
# that processes the tests spawn (races, gunicorn) know them too.
POOLED_URLS = "SCIM_GATEWAY_TEST_POOLED_URLS"


def mark_pooled(url: str) -> None:
    """Record that url reaches PostgreSQL through a transaction-mode pooler."""
    os.environ[POOLED_URLS] = " ".join(sorted({*os.environ.get(POOLED_URLS, "").split(), url}))


def pooler_of(url: str) -> str:
    """Return the DATABASE_POOLER setting the gateway takes for url."""
    return "transaction" if url in os.environ.get(POOLED_URLS, "").split() else "direct"


def engine_for(url: str, **options: Any) -> Engine:
    """Create an engine for a test database, through its pooler as the gateway would."""
    return make_engine(url, pooler=pooler_of(url), **options)


def sqlalchemy_url(libpq_url: str) -> str:
    """Turn a libpq URL into SQLAlchemy's psycopg 3 URL."""
    return libpq_url.replace("postgresql://", "postgresql+psycopg://", 1)


def migrated_sqlite_template(directory: Path) -> Path:
    """Create a migrated SQLite file to copy for each test."""
    path = directory / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def fresh_sqlite(template: Path, directory: Path) -> str:
    """Return the URL of a fresh copy of the migrated template."""
    path = directory / f"{uuid.uuid4().hex}.db"
    shutil.copyfile(template, path)
    return f"sqlite:///{path}"


@contextmanager
def postgres_database(revision: str = "head") -> Iterator[str]:
    """Create, migrate (to revision) and finally drop a PostgreSQL database of this run's own."""
    name = f"scimgw_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise RuntimeError(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}. Start it "
            "(`pg_ctlcluster 15 main start`) or point SCIM_GATEWAY_TEST_POSTGRES elsewhere; "
            "the PostgreSQL tests are never skipped."
        ) from None
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        # A test database is thrown away: its commits need not wait for the disk. Every
        # session on it, the tests' own, gunicorn's and PgBouncer's, takes this setting.
        admin.execute(
            sql.SQL("ALTER DATABASE {} SET synchronous_commit = off").format(sql.Identifier(name))
        )
        base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
        url = sqlalchemy_url(f"{base}/{name}")
        try:
            upgrade(url, revision)
            yield url
        finally:
            if (engine := _EMPTYING_ENGINES.pop(url, None)) is not None:
                engine.dispose()
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


# Restarts the sequences of the tables' id columns (serial or identity) at their start
# values: the ones TRUNCATE ... RESTART IDENTITY restarts, and no other.
_RESTART_OWNED_SEQUENCES = """
    SELECT setval(sequence.oid::regclass, pg_sequence.seqstart, false)
    FROM pg_class AS sequence
    JOIN pg_sequence ON pg_sequence.seqrelid = sequence.oid
    JOIN pg_depend ON pg_depend.classid = 'pg_class'::regclass AND pg_depend.objid = sequence.oid
     AND pg_depend.refclassid = 'pg_class'::regclass AND pg_depend.deptype IN ('a', 'i')
    JOIN pg_class AS owner ON owner.oid = pg_depend.refobjid
    WHERE owner.relname = ANY(ARRAY[{tables}])
      AND owner.relnamespace = current_schema()::regnamespace
"""


@cache
def _emptying_script() -> str:
    """Return the statements that empty every table, children first, then restart its ids
    (made once: they depend only on the tables the models declare)."""
    tables = [table.name for table in Base.metadata.sorted_tables]
    deletes = "".join(f'DELETE FROM "{table}";\n' for table in reversed(tables))
    return deletes + _RESTART_OWNED_SEQUENCES.format(tables=", ".join(f"'{t}'" for t in tables))


# One engine (and so one open connection) per database emptied, instead of a new engine
# and connection for each test: connecting and reading the server's settings cost more
# than the emptying.
_EMPTYING_ENGINES: dict[str, Engine] = {}


def truncate_all(url: str) -> None:
    """Empty every table of a PostgreSQL database, restarting its id sequences.

    What TRUNCATE ... RESTART IDENTITY CASCADE leaves, by DELETE and setval: a TRUNCATE
    gives each of the tables new files, which the server syncs to disk, and on a busy disk
    that takes most of a second per test; deleting the few rows a test wrote takes
    milliseconds. Children go before their parents, so no foreign key ever refuses. The
    statements go as one script, in one round trip (never prepared: a prepared statement
    holds one command).
    """
    engine = _EMPTYING_ENGINES.get(url)
    if engine is None:  # kept until postgres_database() drops the database
        engine = _EMPTYING_ENGINES[url] = make_engine(url)
    with engine.begin() as connection:
        connection.connection.driver_connection.execute(_emptying_script(), prepare=False)
