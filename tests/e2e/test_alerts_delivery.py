"""Alerts delivered for real: the CLI and worker processes, an SMTP server, a webhook receiver."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert, literal, select

from scim_gateway.crypto import encrypt
from seat_core import (
    add_webhook_endpoint,
    make_engine,
    make_sessionmaker,
    record_refusal,
    release_seat,
    take_seat,
)
from seat_core.models import AlertDelivery, Member, Outbox, WebhookEndpoint
from tests.conftest import TEST_CONFIG
from tests.factories import gen_member, gen_organization, gen_owner
from tests.support.servers import REPO_ROOT, run_cli
from tests.support.webhooks import LOOPBACK_ALLOWED, RECEIVERS_ALLOWED

KEY = TEST_CONFIG["ENCRYPTION_KEY"]


def environment(database_url: str, **settings: object) -> dict[str, str]:
    """Return the environment of a gateway process on that database."""
    env = {
        "SCIM_GATEWAY_DATABASE_URL": database_url,
        "SCIM_GATEWAY_SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
        "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
        "SCIM_GATEWAY_PUBLIC_URL": "http://127.0.0.1:8000",
        "SCIM_GATEWAY_MAIL_FROM": "seats@gateway.test",
        "SCIM_GATEWAY_ALERT_POLL_SECONDS": "0.1",
    }
    env.update({f"SCIM_GATEWAY_{name}": str(value) for name, value in settings.items()})
    return env


@contextmanager
def worker(env: Mapping[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """Run `scim-gateway alerts worker`; stop it with SIGTERM (or SIGKILL if it hangs)."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [sys.executable, "-m", "scim_gateway.cli", "alerts", "worker"],
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-3000:])


@contextmanager
def database(url: str) -> Iterator[object]:
    engine = make_engine(url)
    try:
        yield make_sessionmaker(engine)
    finally:
        engine.dispose()


def organization_with_endpoint(sessions, receiver, *, owner: bool = False):
    now = datetime.now(UTC)
    with sessions.begin() as session:
        organization = gen_organization(session, seats=10, start=now.date())
        if owner:
            gen_owner(session, organization, "ann@acme.test")
        if receiver is not None:
            add_webhook_endpoint(
                session,
                organization,
                url=f"{receiver.url}/alerts",
                secret_encrypted=encrypt(receiver.secret, KEY),
                at=now,
                policy=RECEIVERS_ALLOWED,
            )
        return organization


def queue_messages(sessions, organization, count: int) -> set[str]:
    """Queue count test messages to every endpoint; return their webhook-ids.

    Written in two statements rather than count enqueue() calls, to keep the test fast.
    """
    now = datetime.now(UTC)
    message_ids = [str(uuid.uuid4()) for _ in range(count)]
    with sessions.begin() as session:
        session.execute(
            insert(Outbox),
            [
                {
                    "organization_id": organization.id,
                    "event": "webhook.test",
                    "payload": {},
                    "created_at": now,
                    "message_id": message_id,
                    "state": "ready",
                }
                for message_id in message_ids
            ],
        )
        endpoint_id = session.scalar(select(WebhookEndpoint.id))
        session.execute(
            insert(AlertDelivery).from_select(
                [
                    "outbox_id",
                    "organization_id",
                    "channel",
                    "recipient",
                    "endpoint_id",
                    "status",
                    "attempts",
                    "next_attempt_at",
                    "created_at",
                ],
                select(
                    Outbox.id,
                    Outbox.organization_id,
                    literal("webhook"),
                    literal("receiver"),
                    literal(endpoint_id),
                    literal("pending"),
                    literal(0),
                    Outbox.created_at,
                    Outbox.created_at,
                ).where(Outbox.message_id.in_(message_ids)),
            )
        )
    return {f"msg_{message_id}" for message_id in message_ids}


def wait_until(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(0.05)


def deliver(env: Mapping[str, str]) -> str:
    outcome = run_cli(["alerts", "deliver"], env=env, timeout=90)
    assert outcome.returncode == 0, outcome.stderr
    return outcome.stdout


def test_thresholds_are_mailed_once_and_again_after_rearming(sqlite_url, smtp_server):
    env = environment(sqlite_url, SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    now = datetime.now(UTC)
    with database(sqlite_url) as sessions, worker(env):
        organization = organization_with_endpoint(sessions, None, owner=True)
        with sessions.begin() as session:
            for n in range(8):
                gen_member(session, organization, f"user{n}", at=now, on=now.date())
        smtp_server.wait_for(1, timeout=60)
        with sessions.begin() as session:
            ninth = gen_member(session, organization, "user8", at=now, on=now.date())
        smtp_server.wait_for(2, timeout=30)
        with sessions.begin() as session:
            # Back to 8 of 10: 80 does not fire again (it needs 75 % to re-arm), while 90,
            # 10 points above, re-arms.
            release_seat(session, session.get_one(Member, ninth.id), at=now)
        time.sleep(0.5)
        assert len(smtp_server.messages) == 2
        with sessions.begin() as session:
            take_seat(session, session.get_one(Member, ninth.id), at=now)
        smtp_server.wait_for(3, timeout=30)

    subjects = [mail.message["Subject"] for mail in smtp_server.messages]
    assert subjects == [
        "[Acme] 8 of 10 seats in use",
        "[Acme] 9 of 10 seats in use",
        "[Acme] 9 of 10 seats in use",
    ]
    assert all(mail.rcpt_tos == ["ann@acme.test"] for mail in smtp_server.messages)
    assert len({mail.message["Message-ID"] for mail in smtp_server.messages}) == 3


def test_a_storm_of_fifty_refusals_is_one_alert_and_one_digest(sqlite_url, smtp_server):
    env = environment(sqlite_url, SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    # The storm happened 20 minutes ago: its 15-minute window has closed.
    start = datetime.now(UTC) - timedelta(minutes=20)
    with database(sqlite_url) as sessions:
        organization = organization_with_endpoint(sessions, None, owner=True)
        for attempt in range(50):
            person = f"person{attempt % 10}"
            # One transaction per refusal, as each refused request records its own.
            with sessions.begin() as session:
                record_refusal(
                    session,
                    organization,
                    channel="scim",
                    identity=f"{person}@acme.test",
                    identity_key=f"{person}@acme.test",
                    display_name=person.title(),
                    at=start + timedelta(seconds=attempt),
                )

        deliver(env)

    first, digest = (mail.message for mail in smtp_server.wait_for(2, timeout=30))
    assert first["Subject"] == "[Acme] Seat refused for Person0 (person0@acme.test)"
    assert digest["Subject"] == "[Acme] 49 more seat refusals for 10 people"
    text = digest.get_body(("plain",)).get_content()
    assert "- Person9 (person9@acme.test)" in text
    assert "/admin/acme/billing/seats/review?seats=10" in text
    time.sleep(0.2)
    assert len(smtp_server.messages) == 2


def test_a_receiver_failing_twice_gets_the_message_once_with_one_id(sqlite_url, webhook_receiver):
    env = environment(
        sqlite_url,
        ALERT_RETRY_BASE_SECONDS=0.2,
        ALERT_RETRY_MAX_SECONDS=1,
        WEBHOOK_ALLOWED_NETWORKS=LOOPBACK_ALLOWED,
    )
    webhook_receiver.fail_next(2)
    with database(sqlite_url) as sessions:
        organization = organization_with_endpoint(sessions, webhook_receiver)
        [message_id] = queue_messages(sessions, organization, 1)

        with worker(env) as process:
            webhook_receiver.wait_for_accepted(1, timeout=60)
            time.sleep(0.5)
            process.send_signal(signal.SIGTERM)
            assert process.wait(timeout=10) == 0

    statuses = [request.status for request in webhook_receiver.requests]
    assert statuses == [500, 500, 204]
    assert {request.headers["webhook-id"] for request in webhook_receiver.requests} == {message_id}


def test_a_worker_killed_mid_batch_loses_nothing_and_resends_with_the_same_ids(
    sqlite_url, webhook_receiver
):
    env = environment(
        sqlite_url,
        ALERT_LEASE_SECONDS=3,
        ALERT_BATCH_SIZE=100,
        WEBHOOK_ALLOWED_NETWORKS=LOOPBACK_ALLOWED,
    )
    # The 20th request is held unanswered until the worker is dead, so the kill lands while a
    # delivery is in flight and most of the batch is unsent, however fast the worker runs.
    webhook_receiver.hold(20)
    with database(sqlite_url) as sessions:
        organization = organization_with_endpoint(sessions, webhook_receiver)
        expected = queue_messages(sessions, organization, 300)

        with worker(env) as process:
            assert webhook_receiver.holding.wait(60), "the worker never sent the 20th webhook"
            process.kill()
            process.wait(timeout=10)
        webhook_receiver.release.set()
        with sessions() as session:
            statuses = session.scalars(select(AlertDelivery.status)).all()
        assert statuses.count("delivered") == 19
        assert statuses.count("pending") == 281

        def all_statuses():
            with sessions() as session:
                return set(session.scalars(select(AlertDelivery.status)).all())

        with worker(env):
            wait_until(lambda: all_statuses() == {"delivered"}, 60, "every delivery after the kill")

    received: dict[str, list[bytes]] = {}
    for request in webhook_receiver.requests:
        received.setdefault(request.headers["webhook-id"], []).append(request.body)
    assert set(received) == expected
    # The delivery in flight at the kill was sent again: the same message, one id, one body.
    in_flight = webhook_receiver.held_headers["webhook-id"]
    assert [i for i, bodies in received.items() if len(bodies) > 1] == [in_flight]
    assert all(len(set(bodies)) == 1 for bodies in received.values())
    assert {r.headers["webhook-id"] for r in webhook_receiver.accepted} == expected


@pytest.mark.postgres
def test_two_workers_on_postgresql_deliver_each_of_500_messages_once(
    postgres_url, webhook_receiver
):
    env = environment(postgres_url, ALERT_BATCH_SIZE=10, WEBHOOK_ALLOWED_NETWORKS=LOOPBACK_ALLOWED)
    with database(postgres_url) as sessions:
        organization = organization_with_endpoint(sessions, webhook_receiver)
        expected = queue_messages(sessions, organization, 500)

        with worker(env), worker(env):
            webhook_receiver.wait_for_accepted(500, timeout=90)
            time.sleep(0.5)

    ids = [request.headers["webhook-id"] for request in webhook_receiver.requests]
    assert len(ids) == 500
    assert set(ids) == expected
