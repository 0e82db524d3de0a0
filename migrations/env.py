"""Alembic environment: the URL comes from the caller, the target schema from seat_core."""

from __future__ import annotations

from typing import Any

from alembic import context
from sqlalchemy import Connection

from seat_core import make_engine
from seat_core.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    sqlite = connection.dialect.name == "sqlite"
    if sqlite:
        # SQLite alters a table by copying it, and dropping the old copy fails while other
        # rows refer to it. SQLite's own procedure (lang_altertable.html): foreign keys off
        # around the copy, which only works outside a transaction, then checked once done.
        _driver(connection).execute("PRAGMA foreign_keys = OFF")
    try:
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            # SQLite alters tables by copying them; batch mode makes later migrations portable.
            render_as_batch=sqlite,
            compare_type=True,
        )
        with context.begin_transaction():
            context.run_migrations()
    finally:
        if sqlite:
            _driver(connection).execute("PRAGMA foreign_keys = ON")
    if sqlite:
        broken = _driver(connection).execute("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise RuntimeError(f"the migration left rows that refer to nothing: {broken[:5]}")


def _driver(connection: Connection) -> Any:
    """Return the sqlite3 connection under connection (PRAGMAs must bypass transactions)."""
    return connection.connection.dbapi_connection


connection = config.attributes.get("connection")
if connection is not None:
    run(connection)
else:
    # All of it runs in one transaction, so a transaction-mode pooler serves it too.
    engine = make_engine(
        config.get_main_option("sqlalchemy.url") or "",
        pooler=config.get_main_option("pooler") or "direct",
    )
    with engine.connect() as connection:
        run(connection)
    engine.dispose()
