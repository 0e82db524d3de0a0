"""Fixtures shared by every tier: databases on SQLite and PostgreSQL, the app, its client."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import settings
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from scim_gateway import create_app
from seat_core import make_engine, make_sessionmaker

from .databases import (
    POSTGRES_ADMIN_URL,
    fresh_sqlite,
    mark_pooled,
    migrated_sqlite_template,
    pooler_of,
    postgres_database,
    truncate_all,
)
from .support import catalogs
from .support.pgbouncer import start_pgbouncer, through
from .support.routing import compile_url_builders_once
from .support.templates import compile_templates_once

TEST_CONFIG: dict[str, Any] = {
    "TESTING": True,
    "SECRET_KEY": "test-secret-key",
    # A Fernet key (urlsafe base64 of 32 bytes), fixed so failures are reproducible.
    "ENCRYPTION_KEY": "aWtbcxwtS1yd6S8x8Nn1GWmFz8Xq1QOTyhSU9Bd7Kzo=",
    "PUBLIC_URL": "http://127.0.0.1:8000",
    "SCIM_RATE_LIMIT": "100000/minute",
    "LOGIN_RATE_LIMIT": "1000/minute",
}

# Every Hypothesis and schemathesis test draws the same examples on every run: a failure in
# CI is reproducible, and a pass is not luck. Tests set their own example counts.
settings.register_profile("deterministic", derandomize=True, database=None)
settings.load_profile("deterministic")


def pytest_configure(config: pytest.Config) -> None:
    # Pages and mails read the compiled catalogs: never a stale one.
    catalogs.compile_stale()
    # Each test's app takes the URL rules the first app parsed and compiled, and the
    # templates it compiled (tests/support/routing.py, tests/support/templates.py).
    compile_url_builders_once()
    compile_templates_once()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return migrated_sqlite_template(tmp_path_factory.mktemp("template"))


@pytest.fixture(scope="session")
def postgres_url_session() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh, migrated SQLite database file."""
    return fresh_sqlite(sqlite_template, tmp_path)


@pytest.fixture
def postgres_url(postgres_url_session: str) -> str:
    """The run's PostgreSQL database, emptied for this test."""
    truncate_all(postgres_url_session)
    return postgres_url_session


@pytest.fixture(scope="session")
def pgbouncer_url_session(postgres_url_session: str) -> Iterator[str]:
    """The run's PostgreSQL database through a PgBouncer in transaction mode of its own."""
    with start_pgbouncer(POSTGRES_ADMIN_URL) as port:
        url = through(postgres_url_session, port)
        mark_pooled(url)
        yield url


@pytest.fixture
def pgbouncer_url(postgres_url_session: str, pgbouncer_url_session: str) -> str:
    """The run's PostgreSQL database through PgBouncer, emptied (directly) for this test."""
    truncate_all(postgres_url_session)
    return pgbouncer_url_session


FIXTURE_OF = {"sqlite": "sqlite_url", "postgresql": "postgres_url", "pgbouncer": "pgbouncer_url"}
DATABASES = ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
# The write paths run through a transaction-mode pooler as well (tests/support/pooled.py).
POOLED_DATABASES = [
    *DATABASES,
    pytest.param("pgbouncer", marks=[pytest.mark.postgres, pytest.mark.pgbouncer]),
]


def database_url_of(request: pytest.FixtureRequest) -> str:
    """Return the URL of the database that request's parameter names."""
    url: str = request.getfixturevalue(FIXTURE_OF[request.param])
    return url


@pytest.fixture(params=DATABASES)
def database_url(request: pytest.FixtureRequest) -> str:
    """A fresh migrated database: each test using it runs once on SQLite, once on PostgreSQL."""
    return database_url_of(request)


def app_config(database_url: str) -> dict[str, Any]:
    """Return the test configuration of an app on database_url, through its pooler if any."""
    return {**TEST_CONFIG, "DATABASE_URL": database_url, "DATABASE_POOLER": pooler_of(database_url)}


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    engine = make_engine(database_url, pooler=pooler_of(database_url))
    yield engine
    engine.dispose()


@pytest.fixture
def sessions(engine: Engine) -> sessionmaker[Session]:
    return make_sessionmaker(engine)


@pytest.fixture
def app(database_url: str) -> Iterator[Flask]:
    """The app on a fresh database (SQLite and PostgreSQL)."""
    app = create_app(app_config(database_url))
    yield app
    app.extensions["db"].dispose()


@pytest.fixture
def sqlite_app(sqlite_url: str) -> Iterator[Flask]:
    """The app on a fresh SQLite database only, for tests of HTTP behaviour alone."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": sqlite_url})
    yield app
    app.extensions["db"].dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()
