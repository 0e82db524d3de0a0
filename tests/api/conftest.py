"""Fixtures of the API tier: the command line run in process against the test database."""

import sys

import pytest
from click.testing import CliRunner

from scim_gateway.cli import main

from ..conftest import TEST_CONFIG


@pytest.fixture
def run(database_url, monkeypatch):
    """Run a scim-gateway command against the test database as the installed command runs it,
    through main(): a domain error ends it with exit code 1 and one line on stderr. Return
    (exit code, output), the output being stdout and stderr as they came."""
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", TEST_CONFIG["SECRET_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])
    runner = CliRunner()

    def invoke(*args, input=None):
        with runner.isolation(input=input) as (_stdout, _stderr, output):
            try:
                # What the console script does: sys.exit(main()).
                raise SystemExit(main(list(args)))
            except SystemExit as ended:
                code = ended.code
                if code is not None and not isinstance(code, int):
                    sys.stderr.write(f"{code}\n")
                    code = 1
            return code or 0, output.getvalue().decode()

    return invoke
