"""The operator's command line against a test database that holds the organization acme."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner

from scim_gateway.cli import cli
from tests.conftest import TEST_CONFIG
from tests.databases import pooler_of

Run = Callable[..., tuple[int, str]]


def acme_cli(database_url: str, public_url: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Create acme through the command line; return a runner of further commands."""
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_POOLER", pooler_of(database_url))
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", TEST_CONFIG["SECRET_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_PUBLIC_URL", public_url)
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
        result = runner.invoke(cli, list(args), input=input)
        return result.exit_code, result.output

    code, output = invoke(
        *("org", "create", "--slug", "acme", "--name", "Acme", "--seats", "5"),
        *("--price-per-seat-year", "360.00", "--start", "2025-01-01"),
    )
    assert code == 0, output
    return invoke
