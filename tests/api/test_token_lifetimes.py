"""Bearer tokens: a default lifetime, expiry alerts, the last use, and the token lists."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from click.testing import CliRunner
from flask import Flask
from sqlalchemy import event, select, update

from scim_gateway import create_app
from scim_gateway.cli import cli
from scim_gateway.crypto import encrypt
from scim_gateway.outbox import deliver_once
from seat_core import add_webhook_endpoint
from seat_core.models import ApiToken, Event, Organization
from tests.conftest import TEST_CONFIG
from tests.factories import gen_owner
from tests.support.smtp import start_smtp_server
from tests.support.webhooks import LOOPBACK_ALLOWED, RECEIVERS_ALLOWED, start_webhook_receiver

Run = Callable[..., tuple[int, str]]
DAY = timedelta(days=1)


@pytest.fixture
def run(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run a command against a database holding acme, whose term covers today."""
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", TEST_CONFIG["SECRET_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])
    runner = CliRunner()

    def invoke(*args: str, input: str | None = None) -> tuple[int, str]:
        result = runner.invoke(cli, list(args), input=input)
        return result.exit_code, result.output

    start = datetime.now(UTC).date().replace(day=1).isoformat()
    code, output = invoke(
        *("org", "create", "--slug", "acme", "--name", "Acme", "--seats", "5"),
        *("--price-per-seat-year", "360.00", "--start", start),
    )
    assert code == 0, output
    return invoke


@pytest.fixture
def app_of(database_url: str) -> Iterator[Callable[..., Flask]]:
    """Make apps on the test database: each one is a process of its own."""
    apps: list[Flask] = []

    def make(**config: Any) -> Flask:
        apps.append(create_app({**TEST_CONFIG, "DATABASE_URL": database_url, **config}))
        return apps[-1]

    yield make
    for app in apps:
        app.extensions["db"].dispose()


def issue(run: Run, *options: str) -> dict[str, Any]:
    code, output = run("token", "issue", "--org", "acme", *options, "--json")
    assert code == 0, output
    issued: dict[str, Any] = json.loads(output)
    return issued


def listed(run: Run, *options: str) -> list[dict[str, Any]]:
    code, output = run("token", "list", "--org", "acme", *options, "--json")
    assert code == 0, output
    tokens: list[dict[str, Any]] = json.loads(output)
    return tokens


def set_token(app: Flask, token_id: int, **values: Any) -> None:
    with app.app_context(), app.extensions["db"].sessions.begin() as session:
        session.execute(update(ApiToken).where(ApiToken.id == token_id).values(**values))


def token_row(app: Flask, token_id: int) -> ApiToken:
    with app.app_context(), app.extensions["db"].sessions() as session:
        row = session.get_one(ApiToken, token_id)
        session.expunge(row)
        return row


def lifetime(issued: dict[str, Any]) -> timedelta:
    return datetime.fromisoformat(issued["expires_at"]) - datetime.now(UTC)


def test_a_scim_token_lives_365_days_unless_told_otherwise(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    default = issue(run, "--label", "okta")
    ten = issue(run, "--expires-in-days", "10")
    forever = issue(run, "--no-expiry")
    both = run("token", "issue", "--org", "acme", "--no-expiry", "--expires-in-days", "3")
    monkeypatch.setenv("SCIM_GATEWAY_SCIM_TOKEN_LIFETIME_DAYS", "30")
    configured = issue(run)

    assert 364 * DAY < lifetime(default) <= 365 * DAY
    assert 9 * DAY < lifetime(ten) <= 10 * DAY
    assert forever["expires_at"] is None
    assert both[0] == 2 and "not both" in both[1]
    assert 29 * DAY < lifetime(configured) <= 30 * DAY
    assert [t["expires_at"] is None for t in listed(run)] == [False, False, True, False]


def test_an_owners_api_token_lives_365_days_unless_told_otherwise(
    run: Run, monkeypatch: pytest.MonkeyPatch
) -> None:
    run("owner", "add", "--org", "acme", "--email", "bob@acme.test", "--sso-only")

    def issue_api(*options: str) -> dict[str, Any]:
        owner = ("owner", "token", "--org", "acme", "--email", "bob@acme.test")
        code, output = run(*owner, *options, "--json")
        assert code == 0, output
        issued: dict[str, Any] = json.loads(output)
        return issued

    default = issue_api("--label", "billing-script")
    ten = issue_api("--expires-in-days", "10")
    forever = issue_api("--no-expiry")
    both = run(
        *("owner", "token", "--org", "acme", "--email", "bob@acme.test"),
        *("--no-expiry", "--expires-in-days", "3"),
    )
    monkeypatch.setenv("SCIM_GATEWAY_API_TOKEN_LIFETIME_DAYS", "30")
    configured = issue_api()

    assert 364 * DAY < lifetime(default) <= 365 * DAY
    assert 9 * DAY < lifetime(ten) <= 10 * DAY
    assert forever["expires_at"] is None
    assert both[0] == 2 and "not both" in both[1]
    assert 29 * DAY < lifetime(configured) <= 30 * DAY
    # As listed: each expiry as issued, the refused one never written.
    expiries = [t["expires_at"] is None for t in listed(run, "--kind", "api")]
    assert expiries == [False, False, True, False]


def test_the_demo_token_has_the_default_lifetime(run: Run) -> None:
    code, output = run("demo", "--json")

    assert code == 0, output
    code, output = run("token", "list", "--org", "demo", "--json")
    [demo] = json.loads(output)
    assert 364 * DAY < lifetime(demo) <= 365 * DAY


def test_the_human_token_list_has_a_header_and_says_expired_revoked_and_live(
    run: Run, app_of: Callable[..., Flask]
) -> None:
    live = issue(run, "--label", "okta-prod")
    expired = issue(run, "--label", "okta-old", "--expires-in-days", "1")
    revoked = issue(run, "--label", "entra-test")
    set_token(app_of(), expired["id"], expires_at=datetime.now(UTC) - timedelta(minutes=1))
    run("token", "revoke", "--org", "acme", str(revoked["id"]))

    code, output = run("token", "list", "--org", "acme")

    assert code == 0, output
    header, *rows = output.splitlines()
    columns = ["ID", "PREFIX", "KIND", "STATE", "EXPIRES", "LAST", "USED", "OWNER", "LABEL"]
    assert header.split() == columns
    states = {row.split()[-1]: row.split()[3] for row in rows}
    assert states == {"okta-prod": "live", "okta-old": "expired", "entra-test": "revoked"}
    assert [t["state"] for t in listed(run)] == ["live", "expired", "revoked"]
    assert live["id"] < expired["id"] < revoked["id"]


def test_owner_api_tokens_are_listed_from_the_cli(run: Run) -> None:
    run("owner", "add", "--org", "acme", "--email", "bob@acme.test", "--sso-only")
    code, output = run(
        *("owner", "token", "--org", "acme", "--email", "bob@acme.test"),
        *("--label", "billing-script", "--json"),
    )
    assert code == 0, output
    scim = issue(run, "--label", "okta")

    [api] = listed(run, "--kind", "api")
    both = listed(run, "--kind", "all")
    code, text = run("token", "list", "--org", "acme", "--kind", "api")

    assert (api["id"], api["kind"], api["owner"], api["label"]) == (
        json.loads(output)["id"],
        "api",
        "bob@acme.test",
        "billing-script",
    )
    assert [t["id"] for t in both] == sorted([api["id"], scim["id"]])
    assert code == 0 and "bob@acme.test" in text and "billing-script" in text
    assert run("token", "revoke", "--org", "acme", str(api["id"]))[0] == 0
    assert [t["state"] for t in listed(run, "--kind", "api")] == ["revoked"]


def test_owner_remove_writes_token_revoked_for_each_token_it_deletes(
    run: Run, app_of: Callable[..., Flask]
) -> None:
    run("owner", "add", "--org", "acme", "--email", "bob@acme.test", "--sso-only")
    ids = [
        json.loads(run("owner", "token", "--org", "acme", "--email", "bob@acme.test", "--json")[1])[
            "id"
        ]
        for _ in range(2)
    ]

    code, output = run("owner", "remove", "--org", "acme", "--email", "bob@acme.test")

    assert code == 0, output
    app = app_of()
    with app.app_context(), app.extensions["db"].sessions() as session:
        revoked = session.scalars(select(Event).where(Event.type == "token.revoked")).all()
        left = session.scalars(select(ApiToken)).all()
    assert sorted(event.data["token_id"] for event in revoked) == sorted(ids)
    assert {event.data["kind"] for event in revoked} == {"api"}
    assert left == []


def updates_of_tokens(app: Flask) -> list[str]:
    """Record the UPDATE statements on api_token the app's engine sends from now on."""
    sent: list[str] = []

    def listen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement.lstrip().upper().startswith("UPDATE API_TOKEN"):
            sent.append(statement)

    with app.app_context():
        event.listen(app.extensions["db"].engine, "before_cursor_execute", listen)
    return sent


def test_the_last_use_is_written_at_most_once_a_minute_however_busy_the_token(
    run: Run, app_of: Callable[..., Flask]
) -> None:
    token = issue(run, "--label", "okta")
    headers = {"Authorization": f"Bearer {token['token']}"}
    app = app_of()
    sent = updates_of_tokens(app)
    client = app.test_client()

    answers = [client.get("/scim/v2/Users?count=1", headers=headers) for _ in range(20)]
    first = token_row(app, token["id"]).last_used_at
    # Another process within the minute asks once; the database's condition writes nothing.
    other = app_of()
    other.test_client().get("/scim/v2/Users", headers=headers)
    unchanged = token_row(app, token["id"]).last_used_at
    busy = len(sent)
    set_token(app, token["id"], last_used_at=datetime.now(UTC) - timedelta(minutes=2))
    app_of().test_client().get("/scim/v2/Users", headers=headers)
    later = token_row(app, token["id"]).last_used_at

    assert {answer.status_code for answer in answers} == {200}
    assert busy == 1
    assert first is not None and unchanged == first
    assert later is not None and later > first - timedelta(seconds=1)
    assert datetime.now(UTC) - later < timedelta(seconds=30)
    [shown] = listed(run)
    assert shown["last_used_at"] == later.isoformat()
    _, text = run("token", "list", "--org", "acme")
    assert later.strftime("%Y-%m-%d %H:%M") in text


def test_the_api_lists_tokens_with_their_last_use_for_owners_only(
    run: Run, app_of: Callable[..., Flask]
) -> None:
    run("owner", "add", "--org", "acme", "--email", "ann@acme.test", "--sso-only")
    owner = json.loads(
        run("owner", "token", "--org", "acme", "--email", "ann@acme.test", "--json")[1]
    )
    scim = issue(run, "--label", "okta")
    client = app_of().test_client()
    headers = {"Authorization": f"Bearer {owner['token']}"}

    first = client.get("/api/v1/orgs/acme/tokens", headers=headers)
    second = client.get("/api/v1/orgs/acme/tokens", headers=headers)
    scim_refused = client.get(
        "/api/v1/orgs/acme/tokens", headers={"Authorization": f"Bearer {scim['token']}"}
    )

    assert first.status_code == 200 and second.status_code == 200
    by_id = {token["id"]: token for token in second.json["tokens"]}
    assert by_id[owner["id"]]["last_used_at"] is not None
    assert by_id[owner["id"]]["owner"] == "ann@acme.test"
    assert by_id[scim["id"]]["state"] == "live" and by_id[scim["id"]]["last_used_at"] is None
    assert "token" not in json.dumps(second.json["tokens"]).replace('"tokens"', "")
    assert scim_refused.status_code == 401


def test_owners_hear_30_and_7_days_before_a_scim_token_expires(
    run: Run, app_of: Callable[..., Flask]
) -> None:
    now = datetime.now(UTC).replace(microsecond=0)
    token = issue(run, "--label", "entra-prod", "--expires-in-days", "40")
    revoked = issue(run, "--label", "gone", "--expires-in-days", "20")
    run("token", "revoke", "--org", "acme", str(revoked["id"]))
    expires_on = token["expires_at"][:10]
    with start_smtp_server() as smtp:
        app = app_of(SMTP_HOST=smtp.host, SMTP_PORT=smtp.port, MAIL_FROM="seats@gw.test")
        owner_of_acme(app)

        early = deliver_once(app, now=lambda: now)
        month = deliver_once(app, now=lambda: now + 15 * DAY)
        again = deliver_once(app, now=lambda: now + 16 * DAY)
        week = deliver_once(app, now=lambda: now + 34 * DAY)
        last = deliver_once(app, now=lambda: now + 35 * DAY)
        mails = list(smtp.messages)

    assert [r.token_notices for r in (early, month, again, week, last)] == [0, 1, 0, 1, 0]
    subject = f"[Acme] The SCIM token entra-prod expires on {expires_on}"
    assert [mail.message["Subject"] for mail in mails] == [subject, subject]
    assert [mail.rcpt_tos for mail in mails] == [["ann@acme.test"], ["ann@acme.test"]]
    texts = [mail.message.get_body(("plain",)).get_content() for mail in mails]
    assert "expires in 25 days" in texts[0] and "expires in 6 days" in texts[1]
    assert all("scim-gateway token issue" in text for text in texts)


def test_the_expiry_alert_reaches_webhooks_naming_the_token(
    run: Run, app_of: Callable[..., Flask]
) -> None:
    token = issue(run, "--label", "okta-sync", "--expires-in-days", "5")
    with start_webhook_receiver() as receiver:
        app = app_of(WEBHOOK_ALLOWED_NETWORKS=LOOPBACK_ALLOWED)
        acme = owner_of_acme(app)
        with app.app_context(), app.extensions["db"].sessions.begin() as session:
            add_webhook_endpoint(
                session,
                session.get_one(Organization, acme),
                url=receiver.url + "/hooks",
                secret_encrypted=encrypt(receiver.secret, TEST_CONFIG["ENCRYPTION_KEY"]),
                at=datetime.now(UTC),
                policy=RECEIVERS_ALLOWED,
            )

        report = deliver_once(app)
        [hook] = receiver.wait_for_accepted(1)

    body = json.loads(hook.body)
    assert report.token_notices == 1 and hook.signature_valid
    assert body["type"] == "token.expiring"
    data = body["data"]
    assert (data["label"], data["token_id"], data["notice_days"]) == ("okta-sync", token["id"], 7)
    assert data["expires_at"] == token["expires_at"]
    assert "okta-sync" in data["summary"]


def owner_of_acme(app: Flask) -> int:
    """Give acme the owner ann@acme.test, who gets its alerts; return acme's id."""
    with app.app_context(), app.extensions["db"].sessions.begin() as session:
        acme = session.scalars(select(Organization)).one()
        gen_owner(session, acme, "ann@acme.test")
        return acme.id


def test_every_admin_page_shows_a_banner_naming_a_scim_token_expiring_within_30_days(
    run: Run, app_of: Callable[..., Flask]
) -> None:
    from tests.api.admin.conftest import CHEAP_HASH, sign_in

    far = issue(run, "--label", "okta-far")
    soon = issue(run, "--label", "okta-soon", "--expires-in-days", "12")
    app = app_of()
    with app.app_context(), app.extensions["db"].sessions.begin() as session:
        acme = session.scalars(select(Organization)).one()
        gen_owner(session, acme, "ann@acme.test", password_hash=CHEAP_HASH)
    client = app.test_client()
    assert sign_in(client).status_code == 302

    billing = client.get("/admin/acme/billing").get_data(as_text=True)
    members = client.get("/admin/acme/members").get_data(as_text=True)
    set_token(app, soon["id"], revoked_at=datetime.now(UTC))
    after = client.get("/admin/acme/members").get_data(as_text=True)

    assert 'id="scim-token-alert"' in billing and 'id="scim-token-alert"' in members
    day = datetime.fromisoformat(soon["expires_at"]).strftime("%-d %b %Y")
    assert "okta-soon" in members and day in members
    banner = members.split('id="scim-token-alert"')[1].split("</div>")[0]
    assert "okta-far" not in banner
    assert 'id="scim-token-alert"' not in after
    assert 'id="tokens"' in billing and "okta-far" in billing
    assert far["expires_at"][:10] in billing
