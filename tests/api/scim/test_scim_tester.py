"""scim2-tester's whole check suite, run in process against the Flask app."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from scim2_client.engines.wsgi import WSGISCIMClient
from scim2_tester import Status, check_server

from scim_gateway import create_app
from tests.conftest import TEST_CONFIG

from .conftest import Scim

pytestmark = pytest.mark.postgres


@pytest.fixture
def app(postgres_url: str) -> Iterator[Flask]:
    """PostgreSQL here; the run against gunicorn (tests/e2e) is on SQLite."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": postgres_url})
    yield app
    app.extensions["db"].dispose()


def test_scim2_tester_finds_no_failure_in_process(scim: Scim) -> None:
    client = WSGISCIMClient(
        scim.app,
        base_url="http://localhost/scim/v2",
        headers={"Authorization": f"Bearer {scim.token}"},
    )

    results = check_server(client)

    failures = [r for r in results if r.status in (Status.ERROR, Status.CRITICAL)]
    assert results
    assert failures == [], "\n".join(f"{r.title}: {r.reason}" for r in failures)
