"""Fresh, migrated databases for a run: a SQLite file, or a PostgreSQL database of its own."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg
from psycopg import sql

from scim_gateway.migrate import upgrade
from tests.support.pgbouncer import start_pgbouncer, through

# The URLs of this run that reach PostgreSQL through PgBouncer in transaction mode.
POOLED: set[str] = set()


def pooler_of(url: str) -> str:
    """Return the SCIM_GATEWAY_DATABASE_POOLER setting for url."""
    return "transaction" if url in POOLED else "direct"


# The server to create the benchmark's database on; it needs CREATEDB rights.
POSTGRES_ADMIN_URL = os.environ.get(
    "SCIM_GATEWAY_BENCH_POSTGRES", "postgresql://postgres@127.0.0.1:5432/postgres"
)


@contextmanager
def sqlite_database(directory: Path, *, migrate: bool = True) -> Iterator[str]:
    """Yield the URL of a new SQLite file in directory, migrated to the gateway's schema."""
    path = directory / f"bench-{uuid.uuid4().hex[:8]}.db"
    url = f"sqlite:///{path}"
    if migrate:
        upgrade(url)
    try:
        yield url
    finally:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)


@contextmanager
def postgres_database(*, migrate: bool = True) -> Iterator[str]:
    """Yield the URL of a new PostgreSQL database, migrated unless not; drop it at the end."""
    name = f"scimgw_bench_{uuid.uuid4().hex[:10]}"
    try:
        admin = psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as error:
        raise SystemExit(
            f"PostgreSQL is not reachable at {POSTGRES_ADMIN_URL}: {error}. Start it, or set "
            "SCIM_GATEWAY_BENCH_POSTGRES, or run `python -m bench --databases sqlite`."
        ) from None
    with admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
        url = f"{base}/{name}".replace("postgresql://", "postgresql+psycopg://", 1)
        try:
            if migrate:
                upgrade(url)
            yield url
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )


@contextmanager
def database(kind: str, directory: Path, *, migrate: bool = True) -> Iterator[str]:
    """Yield a fresh database of kind 'sqlite', 'postgresql' or 'pgbouncer' (PostgreSQL
    through a PgBouncer in transaction mode, started for the run), empty unless migrated."""
    if kind == "sqlite":
        with sqlite_database(directory, migrate=migrate) as url:
            yield url
    elif kind == "postgresql":
        with postgres_database(migrate=migrate) as url:
            yield url
    elif kind == "pgbouncer":
        with (
            postgres_database(migrate=migrate) as direct,
            start_pgbouncer(POSTGRES_ADMIN_URL) as port,
        ):
            url = through(direct, port)
            POOLED.add(url)
            yield url
    else:
        raise SystemExit(f"Unknown database {kind!r}: use sqlite, postgresql or pgbouncer.")
