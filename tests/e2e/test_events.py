"""The event log end to end: gunicorn's workers write it, the API and the Activity page read it,
the alerts worker pushes subscribed events to a real webhook receiver."""

from __future__ import annotations

import csv
import io
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
import requests
from argon2 import PasswordHasher
from playwright.sync_api import Page, expect

from scim_gateway.crypto import encrypt
from scim_gateway.tokens import issue_token
from seat_core import (
    add_webhook_endpoint,
    get_organization,
    make_engine,
    make_sessionmaker,
    record_refusal,
    subscribe,
)
from tests.databases import fresh_sqlite, postgres_database
from tests.factories import gen_organization, gen_owner
from tests.support.servers import PATIENT_STARTUP, run_cli, start_gunicorn
from tests.support.webhooks import (
    LOOPBACK_ALLOWED,
    RECEIVERS_ALLOWED,
    WebhookReceiver,
    start_webhook_receiver,
)

from .test_alerts_delivery import worker

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
KEY = "aWtbcxwtS1yd6S8x8Nn1GWmFz8Xq1QOTyhSU9Bd7Kzo="
PRIMARY, PASSWORD = "ann@acme.test", "correct horse battery"
# Argon2id with small costs: the sign-in verifies it like any other, only faster.
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)
# Events the concurrent writers produce, and how long a reader may wait for the last of them.
WRITTEN = 1000
WRITERS = 4
PATIENCE_SECONDS = 120

# One gateway per database serves the module: booting four workers is what takes time.
pytestmark = pytest.mark.xdist_group("events-e2e")


@dataclass
class Served:
    """A gateway on a database, with acme's tokens, its webhook receiver and environment."""

    url: str
    base: str
    env: dict[str, str]
    scim_token: str
    scim_token_id: int
    owner_token: str
    receiver: WebhookReceiver


def seed(url: str, receiver: WebhookReceiver) -> tuple[str, int, str]:
    """Create acme with one seat, its Primary Owner, tokens and a subscribed endpoint."""
    at = datetime.now(UTC)
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        organization = gen_organization(
            session, seats=1, start=date.today() - timedelta(days=30), at=at
        )
        owner = gen_owner(session, organization, PRIMARY, password_hash=CHEAP_HASH)
        scim, scim_secret = issue_token(session, organization, kind="scim", at=at, label="Okta")
        _, owner_secret = issue_token(session, organization, kind="api", at=at, owner_id=owner.id)
        endpoint = add_webhook_endpoint(
            session,
            organization,
            url=f"{receiver.url}/siem",
            secret_encrypted=encrypt(receiver.secret, KEY),
            at=at,
            policy=RECEIVERS_ALLOWED,
        )
        subscribe(session, organization, endpoint.id, ["seat.refused"], at=at)
    engine.dispose()
    return scim_secret, scim.id, owner_secret


def environment(url: str) -> dict[str, str]:
    return {
        "SCIM_GATEWAY_DATABASE_URL": url,
        "SCIM_GATEWAY_SECRET_KEY": "events-e2e-secret-key",
        "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
        "SCIM_GATEWAY_ALERT_POLL_SECONDS": "0.2",
        "SCIM_GATEWAY_WEBHOOK_ALLOWED_NETWORKS": LOOPBACK_ALLOWED,
    }


def serve(url: str) -> Iterator[Served]:
    with ExitStack() as stack:
        receiver = stack.enter_context(start_webhook_receiver())
        scim_token, scim_id, owner_token = seed(url, receiver)
        env = environment(url)
        base = stack.enter_context(start_gunicorn(env, workers=4, startup_timeout=PATIENT_STARTUP))
        stack.enter_context(worker(env))
        yield Served(url, base, env, scim_token, scim_id, owner_token, receiver)


@pytest.fixture(scope="module")
def sqlite_served(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Served]:
    yield from serve(fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("events")))


@pytest.fixture(scope="module")
def postgresql_served() -> Iterator[Served]:
    with postgres_database() as url:
        yield from serve(url)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def served(request: pytest.FixtureRequest) -> Served:
    return request.getfixturevalue(f"{request.param}_served")


def walk(served: Served, *, after: str | None = None, **params: object) -> tuple[list, str]:
    """Read the events API page after page until a page is empty; return events and cursor."""
    http = requests.Session()
    http.headers["Authorization"] = f"Bearer {served.owner_token}"
    seen: list[dict] = []
    while True:
        query = {**params, **({"after": after} if after else {})}
        response = http.get(f"{served.base}/api/v1/orgs/acme/events", params=query, timeout=30)
        assert response.status_code == 200, response.text
        body = response.json()
        seen.extend(body["data"])
        after = body["next_cursor"]
        if not body["data"]:
            return seen, after


def create_user(served: Served, token: str, user_name: str, *, active: bool = True) -> int:
    body = {"schemas": [USER_SCHEMA], "userName": user_name, "active": active}
    response = requests.post(
        f"{served.base}/scim/v2/Users",
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=60,
    )
    return response.status_code


def test_a_create_a_refusal_a_purchase_and_a_revocation_are_logged_with_their_actors(
    served: Served,
) -> None:
    created = create_user(served, served.scim_token, "ann@okta.local")
    refused = create_user(served, served.scim_token, "bob@okta.local")
    bought = requests.post(
        f"{served.base}/api/v1/orgs/acme/seats/purchases",
        json={"seats": 2},
        headers={"Authorization": f"Bearer {served.owner_token}", "Idempotency-Key": "e2e-1"},
        timeout=30,
    )
    revoked = run_cli(
        ["token", "revoke", "--org", "acme", str(served.scim_token_id)], env=served.env
    )
    assert (created, refused, bought.status_code, revoked.returncode) == (201, 403, 201, 0)

    events, _ = walk(served)

    okta = ("scim_token", "Okta")
    shown = [
        (e["type"], e["subject"], e["actor"]["type"], e["actor"]["label"])
        for e in events
        if e["type"] not in ("token.issued", "webhook.endpoint_changed")
    ]
    assert shown == [
        ("member.created", "ann@okta.local", *okta),
        ("seat.taken", "ann@okta.local", *okta),
        ("seat.refused", "bob@okta.local", *okta),
        ("seat_request.created", "bob@okta.local", *okta),
        ("seats.purchased", bought.json()["number"], "owner", PRIMARY),
        ("token.revoked", "Okta", "system", "command line"),
    ]
    assert {e["actor"]["id"] for e in events if e["actor"]["type"] == "scim_token"} == {
        str(served.scim_token_id)
    }
    purchase = events[[e["type"] for e in events].index("seats.purchased")]
    assert purchase["data"]["amount_minor"] == bought.json()["total"]["minor"]
    revocation = json.dumps(events[-1])
    assert served.scim_token not in revocation and served.scim_token[:12] not in revocation

    pushed = pushed_events(served.receiver, "seat.refused")
    assert [p["data"]["subject"] for p in pushed] == ["bob@okta.local"]
    assert pushed[0]["data"]["actor"]["label"] == "Okta"


def pushed_events(receiver: WebhookReceiver, type_: str) -> list[dict]:
    """Wait for the worker to push events of a type; the alerts it also sends are left out."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        bodies = [json.loads(r.body) for r in receiver.accepted if r.signature_valid]
        # An event of the log has an actor; an alert of the same name has none.
        found = [b for b in bodies if b["type"] == type_ and "actor" in b["data"]]
        if found:
            return found
        time.sleep(0.2)
    raise AssertionError(f"no {type_} event pushed within 60 s")


def test_a_cursor_walk_meets_each_of_a_thousand_concurrently_written_events_once(
    served: Served,
) -> None:
    at = datetime.now(UTC)
    engine = make_engine(served.url)
    with make_sessionmaker(engine).begin() as session:
        organization = get_organization(session, "acme")
        _, token = issue_token(session, organization, kind="scim", at=at, label="bulk")
    engine.dispose()
    _, start = walk(served)
    names = [f"walk-{number:04d}@okta.local" for number in range(WRITTEN)]
    seen: list[dict] = []
    done = threading.Event()

    def read_while_written() -> None:
        cursor = start
        deadline = time.monotonic() + PATIENCE_SECONDS
        while time.monotonic() < deadline:
            page, cursor = walk(served, after=cursor, type="member.created", limit=37)
            seen.extend(page)
            if done.is_set() and len(seen) >= WRITTEN:
                return
            time.sleep(0.05)

    reader = threading.Thread(target=read_while_written)
    reader.start()
    # Inactive users: each create writes one event and takes no seat.
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        statuses = Counter(pool.map(lambda n: create_user(served, token, n, active=False), names))
    done.set()
    reader.join()

    assert statuses == Counter({201: WRITTEN})
    ids = [e["id"] for e in seen]
    assert len(ids) == len(set(ids)), "an event came twice"
    assert sorted(e["subject"] for e in seen) == names, "an event was skipped"


def test_an_owner_reads_the_activity_page_and_downloads_its_csv(
    served: Served, page: Page, screenshot
) -> None:
    engine = make_engine(served.url)
    with make_sessionmaker(engine).begin() as session:
        record_refusal(
            session,
            get_organization(session, "acme"),
            channel="sso",
            identity="=cmd|' /C calc'!A0",
            identity_key="formula@okta.local",
            at=datetime.now(UTC),
        )
    engine.dispose()
    page.goto(f"{served.base}/admin/acme/login")
    page.get_by_label("Email").fill(PRIMARY)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()

    page.get_by_role("navigation", name="Admin").get_by_role("link", name="Activity").click()
    page.get_by_label("Type").select_option("seat.refused")
    page.get_by_role("button", name="Filter").click()

    rows = page.locator("tbody tr")
    expect(rows.first).to_contain_text("=cmd|' /C calc'!A0")
    expect(page.locator("tbody")).not_to_contain_text("owner.signed_in")
    screenshot(page, "activity")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    text = Path(download.value.path()).read_text()
    table = list(csv.DictReader(io.StringIO(text)))
    assert {row["type"] for row in table} == {"seat.refused"}
    assert table[0]["subject"] == "'=cmd|' /C calc'!A0"

    page.get_by_label("Type").select_option("owner.signed_in")
    page.get_by_role("button", name="Filter").click()
    expect(rows.first).to_contain_text(PRIMARY)
