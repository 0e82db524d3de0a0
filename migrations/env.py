"""Alembic environment: the URL comes from the caller, the target schema from seat_core."""

from __future__ import annotations

from alembic import context
from sqlalchemy import Connection

from seat_core import make_engine
from seat_core.models import Base

config = context.config
target_metadata = Base.metadata


def run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        # SQLite alters tables by copying them; batch mode makes later migrations portable.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


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
