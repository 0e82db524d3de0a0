"""The database_url fixture of the write paths: SQLite, PostgreSQL, and PostgreSQL through
PgBouncer in transaction mode. A conftest imports it to run its tests on all three."""

from __future__ import annotations

import pytest

from tests.conftest import POOLED_DATABASES, database_url_of


@pytest.fixture(name="database_url", params=POOLED_DATABASES)
def pooled_database_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database: SQLite, PostgreSQL, and PostgreSQL through PgBouncer."""
    return database_url_of(request)
