"""Behind a transaction-mode pooler: no server-side prepared statements, migrations work."""

from __future__ import annotations

import uuid

import psycopg
import pytest
from psycopg import sql
from sqlalchemy import text

from scim_gateway import create_app
from scim_gateway.config import ConfigurationError
from seat_core.db import make_engine
from tests.conftest import TEST_CONFIG
from tests.databases import POSTGRES_ADMIN_URL, sqlalchemy_url
from tests.support.pgbouncer import start_pgbouncer, through
from tests.support.servers import run_cli

pytestmark = pytest.mark.postgres


def prepare_threshold(url: str, pooler: str) -> int | None:
    engine = make_engine(url, pooler=pooler)
    try:
        with engine.connect() as connection:
            driver = connection.connection.dbapi_connection
            assert isinstance(driver, psycopg.Connection)
            return driver.prepare_threshold
    finally:
        engine.dispose()


def test_a_transaction_pooler_turns_psycopgs_prepared_statements_off(postgres_url):
    assert prepare_threshold(postgres_url, "direct") == 5
    assert prepare_threshold(postgres_url, "transaction") is None


def test_a_statement_run_often_through_pgbouncer_is_never_prepared(pgbouncer_url):
    engine = make_engine(pgbouncer_url, pooler="transaction", pool_size=3, max_overflow=0)
    try:
        # Three connections, each running the same statement in many transactions: psycopg
        # would prepare it after five and PgBouncer hand it to server connections that
        # lack it.
        connections = [engine.connect() for _ in range(3)]
        for _ in range(10):
            for connection in connections:
                with connection.begin():
                    assert connection.execute(text("SELECT :x + 1"), {"x": 1}).scalar() == 2
        for connection in connections:
            connection.close()
    finally:
        engine.dispose()


def test_the_app_refuses_an_unknown_pooler_setting():
    with pytest.raises(ConfigurationError, match="SCIM_GATEWAY_DATABASE_POOLER"):
        create_app({**TEST_CONFIG, "DATABASE_POOLER": "session"})


def test_an_unknown_pooler_is_refused_by_make_engine():
    with pytest.raises(ValueError, match="pooler"):
        make_engine("sqlite:///x.db", pooler="statement")


def test_db_upgrade_migrates_an_empty_database_through_pgbouncer():
    name = f"scimgw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            base, _, _ = POSTGRES_ADMIN_URL.rpartition("/")
            with start_pgbouncer(POSTGRES_ADMIN_URL) as port:
                url = through(sqlalchemy_url(f"{base}/{name}"), port)
                outcome = run_cli(
                    ["db", "upgrade"],
                    env={
                        "SCIM_GATEWAY_DATABASE_URL": url,
                        "SCIM_GATEWAY_DATABASE_POOLER": "transaction",
                        "SCIM_GATEWAY_SECRET_KEY": "k",
                        "SCIM_GATEWAY_ENCRYPTION_KEY": TEST_CONFIG["ENCRYPTION_KEY"],
                    },
                )
            assert outcome.returncode == 0, outcome.stderr
            assert "up to date" in outcome.stdout
            with psycopg.connect(f"{base}/{name}") as migrated:
                version = migrated.execute("SELECT version_num FROM alembic_version").fetchone()
                tables = migrated.execute(
                    "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'"
                ).fetchone()
            assert version is not None and tables is not None and tables[0] > 10
        finally:
            admin.execute(
                sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
            )
