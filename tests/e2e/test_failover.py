"""Failover: the primary dies, its synchronous replica is promoted, the gateway carries on.

The gateway runs under gunicorn on a libpq multi-host URL with target_session_attrs=read-write
and is never restarted. While no server accepts writes it answers 503 with Retry-After; once
the replica is promoted it serves again within 10 s, and every create it acknowledged is there.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime

import psycopg
import pytest
import requests

from scim_gateway.migrate import upgrade
from scim_gateway.tokens import issue_token
from seat_core import make_sessionmaker
from tests.databases import engine_for
from tests.factories import gen_organization
from tests.support.replication import Pair, promote, replicated_pair, stop
from tests.support.servers import PATIENT_STARTUP, start_gunicorn

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
KEY = "aWtbcxwtS1yd6S8x8Nn1GWmFz8Xq1QOTyhSU9Bd7Kzo="
SERVE_AGAIN_WITHIN = 10.0
# Bounds: the whole writing lasts at most this long, whatever happens.
WRITING_AT_MOST = 90.0

pytestmark = [pytest.mark.postgres, pytest.mark.xdist_group("failover")]


@dataclass
class Writes:
    """What a client creating users one after another saw."""

    acknowledged: list[str] = field(default_factory=list)
    # (when, status, Retry-After header)
    answers: list[tuple[float, int, str | None]] = field(default_factory=list)


def write_until(stop_writing: threading.Event, base: str, token: str, writes: Writes) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    deadline = time.monotonic() + WRITING_AT_MOST
    index = 0
    while not stop_writing.is_set() and time.monotonic() < deadline:
        name = f"user{index}@acme.test"
        index += 1
        try:
            response = requests.post(
                f"{base}/scim/v2/Users",
                json={"schemas": [USER], "userName": name},
                headers=headers,
                timeout=30,
            )
        except requests.RequestException:
            writes.answers.append((time.monotonic(), 0, None))
            continue
        writes.answers.append(
            (time.monotonic(), response.status_code, response.headers.get("Retry-After"))
        )
        if response.status_code == 201:
            writes.acknowledged.append(name)
        else:
            time.sleep(0.05)


def prepare(pair: Pair) -> tuple[str, str]:
    """Create, migrate and seed the gateway's database; return its URL and a SCIM token."""
    with psycopg.connect(pair.primary.url(), autocommit=True) as admin:
        admin.execute("CREATE DATABASE gateway")
    url = pair.sqlalchemy_url("gateway")
    upgrade(url)
    at = datetime.now(UTC)
    engine = engine_for(url)
    with make_sessionmaker(engine).begin() as session:
        organization = gen_organization(
            session, seats=100_000, start=at.date().replace(day=1), at=at
        )
        _, token = issue_token(session, organization, kind="scim", at=at)
    engine.dispose()
    return url, token


def test_promoting_the_replica_serves_again_within_ten_seconds_and_loses_no_write() -> None:
    with replicated_pair() as pair:
        url, token = prepare(pair)
        env = {
            "SCIM_GATEWAY_DATABASE_URL": url,
            "SCIM_GATEWAY_SECRET_KEY": "failover-secret",
            "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
        }
        with start_gunicorn(env, workers=2, startup_timeout=PATIENT_STARTUP) as base:
            writes, stop_writing = Writes(), threading.Event()
            writer = threading.Thread(target=write_until, args=(stop_writing, base, token, writes))
            writer.start()
            try:
                time.sleep(3)
                stop(pair.primary, "immediate")  # a crash: no shutdown checkpoint
                time.sleep(3)
                promote(pair.replica)
                promoted = time.monotonic()
                deadline = promoted + SERVE_AGAIN_WITHIN + 5
                while time.monotonic() < deadline and not any(
                    when > promoted and status == 201 for when, status, _ in writes.answers
                ):
                    time.sleep(0.1)
                time.sleep(2)
            finally:
                stop_writing.set()
                writer.join(60)
        with psycopg.connect(pair.replica.url("gateway")) as promoted_primary:
            stored = {row[0] for row in promoted_primary.execute("SELECT user_name FROM member")}

    statuses = {status for _, status, _ in writes.answers}
    unavailable = [(when, after) for when, status, after in writes.answers if status == 503]
    served_again = min(
        (when for when, status, _ in writes.answers if when > promoted and status == 201),
        default=None,
    )
    lost = [name for name in writes.acknowledged if name not in stored]
    after_promotion = Counter(status for when, status, _ in writes.answers if when > promoted)
    print(
        f"failover: {len(writes.acknowledged)} creates acknowledged, {len(unavailable)} x 503, "
        f"served again {served_again - promoted if served_again else -1:.2f} s after the "
        f"promotion, {len(lost)} acknowledged lost; after the promotion: {after_promotion}"
    )
    assert statuses <= {201, 503}, statuses
    assert unavailable and all(after for _, after in unavailable)
    assert served_again is not None and served_again - promoted <= SERVE_AGAIN_WITHIN
    assert lost == []
