"""Delivery in-process: email parts, signed webhooks, retries, giving up, disjoint claims."""

import json
import random
import threading
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from scim_gateway.crypto import encrypt
from scim_gateway.outbox import Options, deliver_once
from scim_gateway.outbox.claims import claim, retry_delay
from seat_core import add_webhook_endpoint, enqueue, record_refusal, subscribe
from seat_core.events import record
from seat_core.models import AlertDelivery, Event, WebhookEndpoint
from tests.conftest import TEST_CONFIG
from tests.factories import gen_member, gen_organization, gen_owner
from tests.support.smtp import start_smtp_server
from tests.support.webhooks import (
    LOOPBACK_ALLOWED,
    PUBLIC_NAMES,
    RECEIVERS_ALLOWED,
    start_webhook_receiver,
)

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def smtp(app):
    with start_smtp_server() as server:
        app.config.update(SMTP_HOST=server.host, SMTP_PORT=server.port, MAIL_FROM="seats@gw.test")
        yield server


@pytest.fixture
def receiver(app):
    with start_webhook_receiver() as receiver:
        app.config.update(
            ALERT_RETRY_BASE_SECONDS=60,
            ALERT_GIVE_UP_SECONDS=3600,
            # The receiver listens on loopback, refused unless the operator allows it.
            WEBHOOK_ALLOWED_NETWORKS=LOOPBACK_ALLOWED,
        )
        yield receiver


def organization_in(app, *, seats=4, owner=True, endpoint=None):
    with app.extensions["db"].sessions.begin() as session:
        organization = gen_organization(session, seats=seats, start=NOW.date())
        if owner:
            gen_owner(session, organization, "ann@acme.test")
        if endpoint is not None:
            add_webhook_endpoint(
                session,
                organization,
                url=endpoint.url + "/hooks",
                secret_encrypted=encrypt(endpoint.secret, TEST_CONFIG["ENCRYPTION_KEY"]),
                at=NOW,
                policy=RECEIVERS_ALLOWED,
            )
        return organization


def deliveries(app):
    with app.extensions["db"].sessions() as session:
        return session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)).all()


def test_an_alert_email_has_a_text_and_an_html_part_and_links_to_the_review_page(app, smtp):
    organization = organization_in(app)
    with app.extensions["db"].sessions.begin() as session:
        for n in range(4):
            gen_member(session, organization, f"user{n}", at=NOW, on=NOW.date())

    report = deliver_once(app, now=lambda: NOW)

    assert report.delivered == 1
    mail = smtp.messages[0]
    assert mail.rcpt_tos == ["ann@acme.test"]
    assert mail.message["Subject"] == "[Acme] 4 of 4 seats in use: none left"
    assert mail.message["Message-ID"].endswith("@gw.test>")
    text = mail.message.get_body(("plain",)).get_content()
    html = mail.message.get_body(("html",)).get_content()
    link = "http://127.0.0.1:8000/admin/acme/billing/seats/review?seats=1"
    assert link in text
    assert f'href="{link}"' in html


def test_a_refusal_email_names_the_person_refused(app, smtp):
    organization = organization_in(app, seats=1)
    with app.extensions["db"].sessions.begin() as session:
        record_refusal(
            session,
            organization,
            channel="sso",
            identity="bob@acme.test",
            identity_key="bob@acme.test",
            display_name="Bob Bauer",
            at=NOW,
        )

    deliver_once(app, now=lambda: NOW)

    assert (
        smtp.messages[0].message["Subject"] == "[Acme] Seat refused for Bob Bauer (bob@acme.test)"
    )


def test_a_failed_webhook_is_retried_later_with_the_same_id(app, receiver):
    organization = organization_in(app, owner=False, endpoint=receiver)
    receiver.fail_next(1)
    with app.extensions["db"].sessions.begin() as session:
        enqueue(session, organization_id=organization.id, event="webhook.test", payload={}, at=NOW)

    first = deliver_once(app, now=lambda: NOW)
    too_soon = deliver_once(app, now=lambda: NOW + timedelta(seconds=29))
    later = deliver_once(app, now=lambda: NOW + timedelta(seconds=61))

    assert (first.retrying, too_soon.delivered, later.delivered) == (1, 0, 1)
    ids = {request.headers["webhook-id"] for request in receiver.requests}
    assert len(receiver.requests) == 2 and len(ids) == 1
    assert all(request.signature_valid for request in receiver.requests)
    assert deliveries(app)[0].attempts == 2


def test_a_webhook_still_failing_after_the_give_up_period_is_dead(app, receiver):
    organization = organization_in(app, owner=False, endpoint=receiver)
    receiver.fail_next(100)
    with app.extensions["db"].sessions.begin() as session:
        enqueue(session, organization_id=organization.id, event="webhook.test", payload={}, at=NOW)

    for step in range(10):
        at = NOW + timedelta(minutes=30 * step)
        deliver_once(app, now=lambda at=at: at)

    [delivery] = deliveries(app)
    assert delivery.status == "dead"
    # Later attempts carry timestamps the receiver finds stale (the clock is faked): 401.
    assert "(HTTP 401 Unauthorized)" in delivery.last_error
    assert 2 <= delivery.attempts <= 7


def test_an_unreachable_smtp_server_means_retry_with_the_reason_recorded(app):
    organization = organization_in(app, seats=1)
    app.config.update(SMTP_HOST="127.0.0.1", SMTP_PORT=9, ALERT_SEND_TIMEOUT_SECONDS=2)
    with app.extensions["db"].sessions.begin() as session:
        gen_member(session, organization, "user", at=NOW, on=NOW.date())

    report = deliver_once(app, now=lambda: NOW)

    [delivery] = deliveries(app)
    assert report.retrying == 1
    assert delivery.status == "pending"
    assert delivery.next_attempt_at > NOW
    assert delivery.last_error == (
        "The mail server refused the connection: it may be down or not listening."
    )


def test_two_claimers_at_once_never_get_the_same_delivery(app):
    organization = organization_in(app, owner=False)
    with app.extensions["db"].sessions.begin() as session:
        add_webhook_endpoint(
            session,
            organization,
            url="https://hooks.test/",
            secret_encrypted="x",
            at=NOW,
            policy=PUBLIC_NAMES,
        )
        for _ in range(60):
            enqueue(
                session, organization_id=organization.id, event="webhook.test", payload={}, at=NOW
            )
    options = Options.from_config({**app.config, "ALERT_BATCH_SIZE": 7})
    claimed: list[list[int]] = [[], [], []]
    start = threading.Barrier(3)

    def claim_all(index):
        start.wait()
        while True:
            with app.extensions["db"].sessions.begin() as session:
                batch = claim(session, now=NOW, options=options)
            if not batch:
                return
            claimed[index].extend(item.delivery_id for item in batch)

    threads = [threading.Thread(target=claim_all, args=(n,)) for n in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    everything = [i for ids in claimed for i in ids]
    assert len(everything) == len(set(everything)) == 60


def test_retry_delays_double_up_to_the_maximum_with_jitter():
    options = Options.from_config({"ALERT_RETRY_BASE_SECONDS": 10, "ALERT_RETRY_MAX_SECONDS": 100})
    rng = random.Random(1)

    delays = [retry_delay(attempt, options, rng=rng) for attempt in range(1, 8)]

    bounds = [(5, 10), (10, 20), (20, 40), (40, 80), (50, 100), (50, 100), (50, 100)]
    assert all(low <= delay <= high for delay, (low, high) in zip(delays, bounds, strict=True))


def test_a_subscribed_event_is_pushed_signed_once_with_a_stable_id(app, receiver):
    organization = organization_in(app, owner=False, endpoint=receiver)
    with app.extensions["db"].sessions.begin() as session:
        endpoint_id = session.scalar(select(WebhookEndpoint.id))
        subscribe(session, organization, endpoint_id, ["seat.refused"], at=NOW)
    with app.extensions["db"].sessions.begin() as session:
        record_refusal(
            session,
            organization,
            channel="scim",
            identity="late@okta.local",
            identity_key="late@okta.local",
            at=NOW,
        )
    # The refusal's alert and the event: each fails once, then is sent again.
    receiver.fail_next(2)

    first = deliver_once(app, now=lambda: NOW)
    later = deliver_once(app, now=lambda: NOW + timedelta(seconds=61))
    again = deliver_once(app, now=lambda: NOW + timedelta(seconds=122))

    assert (first.events_queued, later.events_queued, again.events_queued) == (1, 0, 0)
    # The alerts of the refusal go to the endpoint too; the event is the one with an actor.
    bodies = [(r, json.loads(r.body)) for r in receiver.requests]
    pushed = [(r, b) for r, b in bodies if b["type"] == "seat.refused" and "actor" in b["data"]]
    assert len(pushed) == 2 and all(r.signature_valid for r, _ in pushed)
    event = pushed[-1][1]["data"]
    assert {r.headers["webhook-id"] for r, _ in pushed} == {f"msg_event-{event['id']}"}
    assert (event["subject"], event["actor"]["type"]) == ("late@okta.local", "system")
    assert event["organization"]["slug"] == organization.slug


def test_the_worker_prunes_events_past_the_retention(app):
    organization = organization_in(app, owner=False)
    app.config["EVENT_RETENTION_DAYS"] = 30
    with app.extensions["db"].sessions.begin() as session:
        record(session, organization.id, "member.updated", at=NOW - timedelta(days=31))
        record(session, organization.id, "member.updated", at=NOW - timedelta(days=29))

    report = deliver_once(app, now=lambda: NOW)

    assert report.events_pruned == 1
    with app.extensions["db"].sessions() as session:
        kept = session.scalars(select(Event.occurred_at)).all()
    assert kept == [NOW - timedelta(days=29)]
