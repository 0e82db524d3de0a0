"""/readyz says ready only while the database accepts writes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from flask import Flask
from sqlalchemy import make_url

from scim_gateway import create_app
from tests.conftest import TEST_CONFIG


def read_only(url: str) -> str:
    """Return a URL of the same database on which every write fails, as on a read-only disk."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        # Tests run as root, whom chmod does not stop; SQLite's read-only open mode does.
        return f"sqlite:///file:{parsed.database}?mode=ro&uri=true"
    # What a standby, or a server set read-only by its operator, reports.
    return str(parsed.update_query_dict({"options": "-c default_transaction_read_only=on"}))


@pytest.fixture
def read_only_app(database_url: str) -> Iterator[Flask]:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": read_only(database_url)})
    yield app
    app.extensions["db"].dispose()


def test_readiness_fails_with_a_reason_while_the_database_refuses_writes(
    read_only_app: Flask, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    where_it_runs = tmp_path / "cwd"
    where_it_runs.mkdir()
    monkeypatch.chdir(where_it_runs)

    response = read_only_app.test_client().get("/readyz")

    assert response.status_code == 503
    # A URI filename names no directory to make: none appears where the app runs.
    assert list(where_it_runs.iterdir()) == []
    assert response.json["status"] == "unavailable"
    assert "read" in response.json["detail"] and "Retry-After" in response.headers


def test_readiness_returns_once_the_same_database_is_writable_again(
    read_only_app: Flask, app: Flask
) -> None:
    refused = read_only_app.test_client().get("/readyz")

    restored = app.test_client().get("/readyz")

    assert (refused.status_code, restored.status_code) == (503, 200)
    assert restored.json == {"status": "ready", "pooler": "direct"}


def test_the_readiness_probe_leaves_nothing_behind(app: Flask) -> None:
    client = app.test_client()

    answers = [client.get("/readyz").status_code for _ in range(3)]

    assert answers == [200, 200, 200]
    with app.extensions["db"].engine.connect() as connection:
        names = connection.dialect.get_table_names(connection)
    assert "readiness_probe" not in names
