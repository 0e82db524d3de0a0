"""/readyz and /metrics name how the gateway reaches the database; an exhausted pool is a 503."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

from scim_gateway import create_app
from tests.api.test_metrics import scrape
from tests.conftest import app_config

pytestmark = pytest.mark.postgres


@pytest.fixture
def pooled_app(pgbouncer_url: str) -> Iterator[Flask]:
    app = create_app(app_config(pgbouncer_url))
    yield app
    app.extensions["db"].dispose()


def test_readiness_and_metrics_name_the_transaction_pooler(pooled_app: Flask) -> None:
    client = pooled_app.test_client()

    ready = client.get("/readyz")
    samples = scrape(client)

    assert ready.status_code == 200
    assert ready.json == {"status": "ready", "pooler": "transaction"}
    assert samples[("scim_gateway_database_pooler", (("pooler", "transaction"),))] == 1


def test_a_request_that_finds_the_pool_exhausted_gets_503_and_is_counted(
    postgres_url: str,
) -> None:
    app = create_app({**app_config(postgres_url), "DATABASE_POOL_TIMEOUT": 0.2})
    client = app.test_client()
    engine = app.extensions["db"].engine
    before = scrape(client).get(("scim_gateway_database_pool_exhausted_total", ()), 0)
    # Every connection the pool may open (5, and 10 more beyond), held elsewhere.
    held = [engine.connect() for _ in range(15)]
    try:
        response = client.get("/readyz")
    finally:
        for connection in held:
            connection.close()

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"
    assert "busy" in response.json["detail"]
    after = scrape(client)[("scim_gateway_database_pool_exhausted_total", ())]
    assert after == before + 1
    app.extensions["db"].dispose()
