"""`scim-gateway sso set` logs sso.configured as the command line's, without the secret."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from scim_gateway.cli import cli
from seat_core import make_sessionmaker
from seat_core.models import Event
from tests.conftest import TEST_CONFIG
from tests.databases import engine_for


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", TEST_CONFIG["SECRET_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> str:
        result = runner.invoke(cli, list(args), input=input)
        assert result.exit_code == 0, result.output
        return result.output

    invoke(
        *("org", "create", "--slug", "acme", "--name", "Acme", "--seats", "5"),
        *("--price-per-seat-year", "360.00", "--start", "2025-01-01"),
    )
    return invoke


def test_setting_sso_logs_the_settings_and_never_the_client_secret(run, database_url):
    run(
        *("sso", "set", "--org", "acme", "--issuer", "https://acme.okta.example/"),
        *("--client-id", "0oa1", "--client-secret-stdin"),
        *("--product-url", "https://product.example/acme"),
        input="top-secret-value\n",
    )
    run("sso", "set", "--org", "acme", "--no-jit")

    engine = engine_for(database_url)
    with make_sessionmaker(engine)() as session:
        events = session.scalars(
            select(Event).where(Event.type == "sso.configured").order_by(Event.id)
        ).all()
    engine.dispose()
    assert [(e.data["jit"], e.data["client_secret_changed"]) for e in events] == [
        (True, True),
        (False, False),
    ]
    assert events[0].data["client_id"] == "0oa1"
    assert {(e.actor_type, e.actor_label) for e in events} == {("system", "command line")}
    assert all("top-secret-value" not in repr((e.data, e.subject)) for e in events)
