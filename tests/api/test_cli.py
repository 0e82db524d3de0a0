"""The operator's command line, on SQLite and PostgreSQL."""

import json
from datetime import date
from fractions import Fraction

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from scim_gateway.cli import cli, main
from scim_gateway.cli.output import forecast_text
from scim_gateway.passwords import verify_password
from seat_core import Forecast
from seat_core.models import Owner

from ..conftest import TEST_CONFIG


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
        "status": "renewal_due",
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


def test_demo_creates_the_organization_once_and_never_revokes_its_token_unasked(run, client):
    client.application.config["SCIM_TOKEN_CACHE_SECONDS"] = 0
    first = json.loads(run("demo", "--json")[1])
    second = json.loads(run("demo", "--json")[1])
    kept_status = scim_status(client, first["scim_token"])
    renewed = json.loads(run("demo", "--new-token", "--json")[1])

    assert first["scim_base_url"].endswith("/scim/v2")
    assert first["owner_email"] == "owner@demo.test" and len(first["owner_password"]) >= 12
    assert second["owner_password"] is None and second["scim_token"] is None
    assert "stays live" in second["scim_token_note"]
    assert kept_status == 200
    assert "is revoked" in renewed["scim_token_note"]
    assert scim_status(client, first["scim_token"]) == 401
    assert scim_status(client, renewed["scim_token"]) == 200
    tokens = json.loads(run("token", "list", "--org", "demo", "--json")[1])
    assert [t["label"] for t in tokens if t["revoked_at"] is None] == ["demo"]


def test_demo_prints_the_token_kept_in_its_file_again(run, client, tmp_path):
    client.application.config["SCIM_TOKEN_CACHE_SECONDS"] = 0
    path = str(tmp_path / "demo-token")
    first = json.loads(run("demo", "--token-file", path, "--json")[1])
    again = json.loads(run("demo", "--token-file", path, "--json")[1])
    human = run("demo", "--token-file", path)[1]

    assert again["scim_token"] == first["scim_token"]
    assert "kept" in again["scim_token_note"]
    assert (tmp_path / "demo-token").read_text().strip() == first["scim_token"]
    assert f"SCIM token:         {first['scim_token']}  (kept" in human
    assert "owner reset-password --org demo --email owner@demo.test" in human
    assert scim_status(client, first["scim_token"]) == 200


def test_the_demo_has_90_days_of_history_and_a_forecast_that_recommends_seats(run):
    run("demo")

    usage = json.loads(run("seats", "usage", "--org", "demo", "--json")[1])

    assert (usage["seats_purchased"], usage["seats_in_use"]) == (10, 7)
    forecast = usage["forecast"]
    assert forecast["basis"] == "runs_out"
    assert forecast["history_days"] == 90
    assert forecast["recommended_add"] > 0


def test_an_owners_password_is_reset_and_printed_once(run, sessions):
    old = json.loads(run("demo", "--json")[1])["owner_password"]

    code, output = run("owner", "reset-password", "--org", "demo", "--email", "owner@demo.test")
    password = output.split("New password of owner@demo.test: ")[1].split()[0]
    with sessions() as session:
        stored = session.scalars(select(Owner.password_hash)).one()

    assert code == 0
    assert verify_password(stored, password) and not verify_password(stored, old)


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


def test_people_read_sentences_and_tables_not_python_values(run, acme):
    run("seats", "buy", "--org", "acme", "--add", "5", "--on", "2025-03-15")
    run("invoices", "billing", "--org", "acme", "--tax-rate", "8.25")

    shown = run("invoices", "show", "--org", "acme", "INV-000001")[1]
    billing = run("invoices", "billing", "--org", "acme")[1]
    usage = run("seats", "usage", "--org", "acme")[1]
    listed = run("invoices", "list", "--org", "acme")[1].splitlines()
    orgs = run("org", "list")[1].splitlines()

    for output in (shown, billing, usage):
        for python in ("None", "['", "[]", "True", "False", " bp"):
            assert python not in output
    assert "remaining months  9 17/31\n" in shown and "paid on           none\n" in shown
    assert "tax rate         8.25 %\n" in billing
    # The last day of the term, as the pages show it (the stored end is exclusive).
    assert "term              2025-01-01 to 2025-12-31\n" in usage
    assert listed[0].split() == ["NUMBER", "ISSUED", "KIND", "SEATS", "TOTAL", "STATUS", "DUE"]
    assert listed[1].split()[:5] == ["INV-000001", "2025-03-15", "purchase", "5", "1432.26"]
    assert orgs[0].split()[:2] == ["SLUG", "NAME"]
    assert orgs[1].split()[:2] == ["acme", "Acme"]


def test_status_says_when_a_term_has_ended(run, acme):
    run("org", "create", "--slug", "old", "--name", "Old", "--seats", "1",
        "--price-per-seat-year", "1.00", "--start", "2024-01-01", "--no-auto-renew")  # fmt: skip

    renewing = json.loads(run("seats", "usage", "--org", "acme", "--json")[1])
    ended = run("seats", "usage", "--org", "old")[1]

    # acme's term began on 2025-01-01: it has ended, and auto-renews at the next renew-due.
    assert renewing["status"] == "renewal_due"
    assert "status            ended\n" in ended


def test_org_create_starts_the_term_today_by_default(run):
    created = json.loads(
        run("org", "create", "--slug", "now", "--name", "Now", "--seats", "3",
            "--price-per-seat-year", "120.00", "--json")[1]
    )  # fmt: skip
    usage = json.loads(run("seats", "usage", "--org", "now", "--json")[1])

    assert created["term_start"] == date.today().isoformat()
    assert usage["status"] == "active"


def test_help_lists_each_command_with_its_whole_first_line(run):
    output = run("--help")[1] + run("seats", "--help")[1]

    assert not [line for line in output.splitlines() if line.startswith("  ") and "..." in line]
    assert "Renew (or expire) every contract whose term has ended; safe to" in output
    assert "Show seats purchased, in use and free, who is waiting, and when" in output


@pytest.mark.parametrize(
    ("per_day", "written"),
    [
        (Fraction(7, 60), "no run-out date (+3.5 seats per 30 days)"),
        (Fraction(0), "no run-out date (+0 seats per 30 days)"),
        # %+g wrote this "+1.23457e+06".
        (Fraction(41152), "no run-out date (+1,234,560 seats per 30 days)"),
    ],
)
def test_the_forecast_line_writes_its_pace_as_the_english_pages_do(sqlite_app, per_day, written):
    forecast = Forecast(
        basis="not_growing",
        history_days=90,
        runs_out_on=None,
        per_day=per_day,
        recommended_add=0,
        recommended_amount_minor=0,
        currency="USD",
        term_end=date(2026, 1, 1),
        level=0,
    )

    with sqlite_app.app_context():
        assert forecast_text(forecast) == written
