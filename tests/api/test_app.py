"""The app shell: health, readiness, configuration."""

import pytest

from scim_gateway import create_app
from scim_gateway.config import ConfigurationError

from ..conftest import TEST_CONFIG


def test_reports_health_and_readiness(client):
    assert client.get("/healthz").json == {"status": "ok"}
    assert client.get("/readyz").json == {"status": "ready", "pooler": "direct"}


def test_is_not_ready_while_the_database_is_unreachable(tmp_path):
    app = create_app(
        {**TEST_CONFIG, "DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"}
    )

    response = app.test_client().get("/readyz")

    assert response.status_code == 503
    assert response.headers["Retry-After"] == "5"


def test_refuses_to_start_when_a_secret_is_missing():
    with pytest.raises(ConfigurationError, match="SCIM_GATEWAY_ENCRYPTION_KEY"):
        create_app({**TEST_CONFIG, "ENCRYPTION_KEY": ""})
