"""Fixtures of the API tier: the command line run in process against the test database."""

import pytest
from click.testing import CliRunner

from scim_gateway.cli import cli

from ..conftest import TEST_CONFIG


@pytest.fixture
def run(database_url, monkeypatch):
    """Run a scim-gateway command against the test database; return (exit code, output)."""
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", TEST_CONFIG["SECRET_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])
    runner = CliRunner()

    def invoke(*args, input=None):
        result = runner.invoke(
            cli, list(args), input=input, catch_exceptions=False, standalone_mode=True
        )
        return result.exit_code, result.output

    return invoke
