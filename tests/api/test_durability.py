"""On SQLite, every transaction that moves money commits with synchronous=FULL; others NORMAL."""

from __future__ import annotations

import json
import shutil
import sqlite3
from collections.abc import Iterator
from contextlib import closing
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from scim_gateway import create_app
from scim_gateway.cli import cli
from scim_gateway.db import transaction
from scim_gateway.outbox.worker import deliver_once
from scim_gateway.tokens import issue_token
from tests.api.api.conftest import auth, create_org
from tests.factories import gen_organization
from tests.support.ports import free_port

from ..conftest import TEST_CONFIG

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
LEVELS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}


@dataclass(frozen=True)
class Commit:
    """A commit seen on SQLite: its synchronous level and the writes it made."""

    level: str
    writes: tuple[str, ...]

    @property
    def moves_money(self) -> bool:
        # Every move of money writes an invoice: issued, or marked paid or due.
        return any(w.startswith(("INSERT INTO INVOICE ", "UPDATE INVOICE ")) for w in self.writes)


@pytest.fixture
def commits() -> Iterator[list[Commit]]:
    """Record every commit on SQLite, of any engine (the app's, the CLI's, the worker's)."""
    seen: list[Commit] = []

    def on_begin(connection: Any) -> None:
        connection.info["writes"] = []

    def on_execute(connection: Any, _cursor: Any, statement: str, *_: Any) -> None:
        head = " ".join(statement.split()).upper()
        if head.startswith(("INSERT", "UPDATE", "DELETE")):
            connection.info.setdefault("writes", []).append(head[:60])

    def on_commit(connection: Any) -> None:
        if connection.dialect.name != "sqlite":
            return
        level = connection.connection.dbapi_connection.execute("PRAGMA synchronous").fetchone()
        seen.append(Commit(LEVELS[level[0]], tuple(connection.info.pop("writes", []))))

    listeners = [("begin", on_begin), ("before_cursor_execute", on_execute), ("commit", on_commit)]
    for name, listener in listeners:
        event.listen(Engine, name, listener)
    yield seen
    for name, listener in listeners:
        event.remove(Engine, name, listener)


def test_a_purchase_commits_with_full_and_the_creates_around_it_with_normal(
    sqlite_app: Flask, commits: list[Commit]
) -> None:
    tokens = create_org(sqlite_app)
    client = sqlite_app.test_client()
    scim = {"Authorization": tokens["scim"], "Content-Type": "application/scim+json"}
    commits.clear()

    created = client.post("/scim/v2/Users", json={"schemas": [USER], "userName": "a"}, headers=scim)
    bought = client.post(
        "/api/v1/orgs/acme/seats/purchases",
        json={"seats": 2},
        headers=auth(tokens["primary"], **{"Idempotency-Key": "k1"}),
    )
    again = client.post("/scim/v2/Users", json={"schemas": [USER], "userName": "b"}, headers=scim)

    assert (created.status_code, bought.status_code, again.status_code) == (201, 201, 201)
    money = [commit.level for commit in commits if commit.moves_money]
    # The creates write by prepared statements on the driver's cursor, unseen here: every
    # other commit, theirs included, is NORMAL.
    others = [commit.level for commit in commits if not commit.moves_money]
    assert money == ["FULL"]
    assert len(others) >= 2 and set(others) == {"NORMAL"}


def test_the_alert_worker_syncs_the_log_before_it_sends_anything(
    sqlite_app: Flask, commits: list[Commit]
) -> None:
    tokens = create_org(sqlite_app)
    bought = sqlite_app.test_client().post(
        "/api/v1/orgs/acme/seats/purchases",
        json={"seats": 2},
        headers=auth(tokens["primary"], **{"Idempotency-Key": "k1"}),
    )
    assert bought.status_code == 201
    sqlite_app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=free_port())
    commits.clear()

    deliver_once(sqlite_app, renewals=False)

    claims = [c for c in commits if any(w.startswith("UPDATE ALERT_DELIVERY") for w in c.writes)]
    assert claims, "the purchase queued mail for the owners"
    assert claims[0].level == "FULL"


@pytest.fixture
def run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Any:
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", sqlite_url)
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", TEST_CONFIG["SECRET_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])
    runner = CliRunner()

    def invoke(*args: str) -> Any:
        result = runner.invoke(cli, list(args), catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return json.loads(result.output) if "--json" in args else result.output

    return invoke


def test_buying_marking_paid_or_due_and_renewing_commit_with_full(
    run: Any, commits: list[Commit]
) -> None:
    run(
        "org", "create", "--slug", "acme", "--name", "Acme", "--seats", "3",
        "--price-per-seat-year", "360.00", "--start", "2025-01-01",
    )  # fmt: skip
    commits.clear()

    bought = run("seats", "buy", "--org", "acme", "--add", "2", "--on", "2025-03-01", "--json")
    number = bought["invoice"]["number"] if "invoice" in bought else bought["number"]
    run("invoices", "mark-paid", "--org", "acme", number, "--json")
    run("invoices", "mark-due", "--org", "acme", number, "--json")
    renewed = run("renew-due", "--on", "2026-01-02", "--json")

    assert renewed, "the term ending 2026-01-01 renews"
    money = [commit.level for commit in commits if commit.moves_money]
    assert len(money) == 4
    assert set(money) == {"FULL"}


def without_the_log(url: str, into: Path) -> sqlite3.Connection:
    """Copy the database file alone, as a power cut that lost the whole log would leave it."""
    source = Path(str(make_url(url).database))
    copy = into / "after-power-cut.db"
    shutil.copyfile(source, copy)
    return sqlite3.connect(copy)


def test_a_renewal_inside_a_seat_take_is_in_the_database_file_before_the_answer(
    sqlite_url: str, tmp_path: Path
) -> None:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": sqlite_url})
    today = datetime.now(UTC).date()
    with app.app_context(), transaction() as session:
        # A term that ended yesterday, and a renewal job that has not run yet.
        organization = gen_organization(
            session, seats=5, start=today.replace(year=today.year - 1) - timedelta(days=1)
        )
        _, token = issue_token(session, organization, kind="scim", at=datetime.now(UTC))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/scim+json"}

    renewing = client.post(
        "/scim/v2/Users", json={"schemas": [USER], "userName": "a"}, headers=headers
    )
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "replace", "path": "displayName", "value": "Ann"}],
    }
    plain = client.patch(f"/scim/v2/Users/{renewing.json['id']}", json=patch, headers=headers)

    assert (renewing.status_code, plain.status_code) == (201, 200)
    with closing(without_the_log(sqlite_url, tmp_path)) as survivor:
        kinds = [row[0] for row in survivor.execute("SELECT kind FROM invoice")]
        names = list(survivor.execute("SELECT user_name, display_name FROM member"))
    assert kinds == ["renewal"]
    # The simulation loses what only the log held: the ordinary change after it.
    assert names == [("a", None)]
    app.extensions["db"].dispose()
