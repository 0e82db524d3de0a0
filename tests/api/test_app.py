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


def test_in_production_refuses_to_start_without_a_public_url(tmp_path):
    production = {**TEST_CONFIG, "ENVIRONMENT": "production", "PUBLIC_URL": None}

    with pytest.raises(ConfigurationError, match="SCIM_GATEWAY_PUBLIC_URL"):
        create_app(production)
    app = create_app({**production, "PUBLIC_URL": "https://seats.example.com/"})
    development = create_app({**TEST_CONFIG, "PUBLIC_URL": None})

    assert app.config["PUBLIC_URL"] == "https://seats.example.com"
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert development.config["PUBLIC_URL"] == "http://127.0.0.1:8000"


@pytest.mark.parametrize(
    ("setting", "value"), [("ENVIRONMENT", "staging"), ("METRICS_OPEN", "perhaps")]
)
def test_refuses_to_start_with_a_setting_it_cannot_read(setting, value):
    with pytest.raises(ConfigurationError, match=f"SCIM_GATEWAY_{setting}"):
        create_app({**TEST_CONFIG, setting: value})


@pytest.mark.parametrize("setting", ["SCIM_TOKEN_LIFETIME_DAYS", "API_TOKEN_LIFETIME_DAYS"])
@pytest.mark.parametrize("value", ["0", "a year"])
def test_refuses_to_start_with_a_token_lifetime_that_is_not_a_day_or_more(setting, value):
    with pytest.raises(ConfigurationError, match=f"SCIM_GATEWAY_{setting} must be"):
        create_app({**TEST_CONFIG, setting: value})
