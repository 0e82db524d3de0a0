"""Sign-in tests run on SQLite, PostgreSQL, and PostgreSQL through PgBouncer."""

from tests.support.pooled import pooled_database_url  # noqa: F401 (through PgBouncer too)
