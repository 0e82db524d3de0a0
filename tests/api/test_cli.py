"""The operator's command line, on SQLite and PostgreSQL."""

import json

import pytest
from click.testing import CliRunner

from scim_gateway.cli import cli, main

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


@pytest.fixture
def acme(run):
    code, output = run(
        "org", "create", "--slug", "acme", "--name", "Acme", "--seats", "100",
        "--price-per-seat-year", "360.00", "--currency", "USD", "--start", "2025-01-01", "--json",
    )  # fmt: skip
    assert code == 0, output
    return json.loads(output)


def test_creates_an_organization_with_its_first_term(acme):
    assert acme["term_start"] == "2025-01-01"
    assert acme["term_end"] == "2026-01-01"
    assert acme["seats_purchased"] == 100


def test_quotes_the_help_articles_example(run, acme):
    code, output = run(
        "seats", "quote", "--org", "acme", "--add", "5", "--on", "2025-03-01", "--json"
    )

    quote = json.loads(output)
    assert code == 0
    assert (quote["seats"], quote["amount"], quote["currency"]) == (5, "1500.00", "USD")
    assert quote["remaining_months"] == "10"
    assert quote["term_end"] == "2026-01-01"


def test_a_quote_carries_the_organizations_tax_and_the_invoice_total(run, acme):
    code, _ = run("invoices", "billing", "--org", "acme", "--tax-rate", "20", "--json")
    _, output = run("seats", "quote", "--org", "acme", "--add", "5", "--on", "2025-03-01", "--json")

    quote = json.loads(output)
    assert code == 0
    assert (quote["amount"], quote["tax_rate_bp"]) == ("1500.00", 2000)
    assert (quote["tax"], quote["total"]) == ("300.00", "1800.00")


def test_buys_seats_once_per_idempotency_key(run, acme):
    args = (
        "seats",
        "buy",
        "--org",
        "acme",
        "--add",
        "5",
        "--on",
        "2025-03-15",
        "--idempotency-key",
        "k1",
        "--json",
    )

    first = json.loads(run(*args)[1])
    second = json.loads(run(*args)[1])
    _, usage = run("seats", "usage", "--org", "acme", "--json")

    assert (first["amount"], first["seats"], first["issued_on"]) == ("1432.26", 5, "2025-03-15")
    assert first["seats_purchased"] == 105
    assert second["id"] == first["id"] and second["replayed"]
    usage = json.loads(usage)
    forecast = usage.pop("forecast")
    # No seat was ever taken: no history to project (or the term is over, by the clock).
    assert forecast["basis"] in ("not_enough_history", "contract_ended")
    assert (forecast["runs_out_on"], forecast["recommended_add"]) == (None, 0)
    assert (forecast["recommended_amount"], forecast["seats_per_30_days"]) == ("0.00", 0)
    assert usage == {
        "seats_purchased": 105,
        "seats_in_use": 0,
        "seats_free": 105,
        "pending_requests": 0,
        "term_start": "2025-01-01",
        "term_end": "2026-01-01",
        "status": "active",
    }


def test_renew_due_is_idempotent(run, acme):
    first = json.loads(run("renew-due", "--on", "2026-01-01", "--json")[1])
    again = json.loads(run("renew-due", "--on", "2026-01-01", "--json")[1])

    assert [invoice["kind"] for invoice in first["renewed"]] == ["renewal"]
    # No seat in use: the renewal falls to the plan minimum of one seat.
    assert first["renewed"][0]["seats_purchased"] == 1
    assert again["renewed"] == []


def scim_status(client, token):
    """Return the status of a SCIM read with that bearer token."""
    headers = {"Authorization": f"Bearer {token}"}
    return client.get("/scim/v2/Users", headers=headers).status_code


def test_demo_creates_the_organization_once_and_prints_a_token_each_time(run):
    first = json.loads(run("demo", "--json")[1])
    second = json.loads(run("demo", "--json")[1])

    assert first["scim_base_url"].endswith("/scim/v2")
    assert first["scim_token"] != second["scim_token"]
    assert first["owner_email"] == "owner@demo.test" and len(first["owner_password"]) >= 12
    assert "unchanged" in second["owner_password"]


def test_two_demo_runs_leave_one_live_token_and_print_a_working_one_both_times(run, client):
    # Revoked in another process: a worker would see it within its cache's bound; none here.
    client.application.config["SCIM_TOKEN_CACHE_SECONDS"] = 0
    first = json.loads(run("demo", "--json")[1])["scim_token"]
    first_status = scim_status(client, first)
    second = json.loads(run("demo", "--json")[1])["scim_token"]

    tokens = json.loads(run("token", "list", "--org", "demo", "--json")[1])
    assert [t["label"] for t in tokens if t["revoked_at"] is None] == ["demo"]
    assert first_status == 200 and scim_status(client, second) == 200
    assert scim_status(client, first) == 401


def test_issued_tokens_can_be_listed_and_revoked(run, acme):
    token = json.loads(run("token", "issue", "--org", "acme", "--label", "okta", "--json")[1])
    listed = json.loads(run("token", "list", "--org", "acme", "--json")[1])
    code, _ = run("token", "revoke", "--org", "acme", str(token["id"]))
    after = json.loads(run("token", "list", "--org", "acme", "--json")[1])

    assert token["token"].startswith("scim_")
    assert [(t["id"], t["label"]) for t in listed] == [(token["id"], "okta")]
    assert token["token"] not in json.dumps(listed)
    assert code == 0 and after[0]["revoked_at"] is not None


def test_errors_are_one_clear_line_and_a_failing_exit(database_url, monkeypatch, capsys):
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", "k")
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])

    with pytest.raises(SystemExit) as exited:
        main(["seats", "quote", "--org", "nope", "--add", "1"])

    assert exited.value.code == 1
    assert capsys.readouterr().err == "Error: No organization has the slug 'nope'\n"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--add", "0"], "at least 1"),
        (["--add", "5", "--on", "2026-01-01"], "belong to the renewal"),
    ],
)
def test_refuses_bad_purchases_with_a_message(run, acme, args, message, capsys):
    with pytest.raises(SystemExit) as exited:
        main(["seats", "buy", "--org", "acme", *args])

    assert exited.value.code == 1
    assert message in capsys.readouterr().err


def test_refuses_to_start_without_the_required_secrets(monkeypatch, capsys):
    monkeypatch.delenv("SCIM_GATEWAY_SECRET_KEY", raising=False)
    monkeypatch.delenv("SCIM_GATEWAY_ENCRYPTION_KEY", raising=False)

    with pytest.raises(SystemExit):
        main(["seats", "usage", "--org", "acme"])

    error = capsys.readouterr().err
    assert "SCIM_GATEWAY_SECRET_KEY" in error and "SCIM_GATEWAY_ENCRYPTION_KEY" in error


def test_every_command_has_help():
    runner = CliRunner()
    groups = [[]] + [
        [name] for name, command in cli.commands.items() if hasattr(command, "commands")
    ]
    for group in groups:
        result = runner.invoke(cli, [*group, "--help"])
        assert result.exit_code == 0 and "Usage:" in result.output


def test_backs_up_a_live_sqlite_database(sqlite_url, tmp_path, monkeypatch):
    import sqlite3

    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", "k")
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])
    runner = CliRunner()
    runner.invoke(cli, ["demo"], catch_exceptions=False)
    backup = tmp_path / "backup.db"

    result = runner.invoke(cli, ["db", "backup", str(backup)], catch_exceptions=False)

    assert result.exit_code == 0
    with sqlite3.connect(backup) as copy:
        assert copy.execute("SELECT slug FROM organization").fetchall() == [("demo",)]
