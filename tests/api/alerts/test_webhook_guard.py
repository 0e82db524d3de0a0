"""Webhook URLs are checked when saved and again when sent: internal addresses are refused."""

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from scim_gateway.crypto import encrypt
from scim_gateway.outbox import deliver_once
from seat_core import add_webhook_endpoint, enqueue
from seat_core.models import AlertDelivery, WebhookEndpoint
from tests.conftest import TEST_CONFIG
from tests.factories import gen_organization, gen_owner
from tests.support.webhooks import (
    LOOPBACK_ALLOWED,
    PUBLIC_NAMES,
    RECEIVERS_ALLOWED,
    resolving_to,
    start_webhook_receiver,
)

from .test_alerts_page import CHEAP_HASH, PASSWORD

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture
def owner(app):
    """A client signed in as acme's Primary Owner through the form, with a CSRF token."""
    with app.extensions["db"].sessions.begin() as session:
        organization = gen_organization(session, seats=1, start=NOW.date().replace(day=1))
        gen_owner(session, organization, "ann@acme.test", password_hash=CHEAP_HASH)
    client = app.test_client()
    token = csrf(client.get("/admin/acme/login").text)
    form = {"email": "ann@acme.test", "password": PASSWORD, "csrf_token": token}
    assert client.post("/admin/acme/login", data=form).status_code == 302
    client.csrf = csrf(client.get("/admin/acme/alerts").text)
    return client


def csrf(html):
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def add_endpoint(client, url):
    return client.post("/admin/acme/alerts/webhooks", data={"csrf_token": client.csrf, "url": url})


def stored_urls(app):
    with app.extensions["db"].sessions() as session:
        return session.scalars(select(WebhookEndpoint.url)).all()


def queue_test_webhook(app, url, secret, policy):
    """Give a new organization a webhook endpoint saved under policy, with one message due."""
    with app.extensions["db"].sessions.begin() as session:
        organization = gen_organization(session, seats=1, start=NOW.date())
        add_webhook_endpoint(
            session,
            organization,
            url=url,
            secret_encrypted=encrypt(secret, TEST_CONFIG["ENCRYPTION_KEY"]),
            at=NOW,
            policy=policy,
        )
        enqueue(session, organization_id=organization.id, event="webhook.test", payload={}, at=NOW)


def deliveries(app):
    with app.extensions["db"].sessions() as session:
        return session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)).all()


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("http://127.0.0.1:5432/", "is a loopback address (127.0.0.1), which is refused."),
        ("http://169.254.169.254/latest/meta-data/", "is a link-local address (169.254.169.254)"),
        ("http://[::1]:22/", "is a loopback address (::1)"),
        ("http://2130706433/", "is a loopback address (127.0.0.1)"),
        ("http://0x7f000001/", "is a loopback address (127.0.0.1)"),
        ("http://10.0.0.1/", "is a private network address (10.0.0.1)"),
        ("http://[::ffff:127.0.0.1]/", "is a loopback address (127.0.0.1)"),
        ("http://example.com@127.0.0.1/", "Put no user name or password in a webhook URL"),
        ("http://localhost:8080/hooks", "resolves to a loopback address"),
        ("gopher://hooks.example.com/", "is not a web address"),
        ("http://192.0.0.192/", "is an IETF protocol assignment address (192.0.0.192)"),
        ("http://[::ffff:192.0.0.192]/", "is an IETF protocol assignment address (192.0.0.192)"),
        ("http://192.88.99.1/", "is a deprecated 6to4 relay anycast address (192.88.99.1)"),
        ("http://198.18.0.1/", "is a benchmarking address (198.18.0.1)"),
    ],
)
def test_saving_a_refused_webhook_url_says_why_and_stores_nothing(app, owner, url, message):
    response = add_endpoint(owner, url)

    assert response.status_code == 400
    assert message.replace("'", "&#39;") in response.text
    assert 'value="' + url.replace("&", "&amp;") + '"' in response.text
    assert stored_urls(app) == []


def test_an_operator_allowed_network_can_be_saved_and_nothing_else_private(app, owner):
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = "10.20.0.0/16"

    allowed = add_endpoint(owner, "http://10.20.1.2:8080/hooks")
    outside = add_endpoint(owner, "http://10.21.0.1/hooks")

    assert allowed.status_code == 201
    assert outside.status_code == 400
    assert "private network address (10.21.0.1)" in outside.text
    assert stored_urls(app) == ["http://10.20.1.2:8080/hooks"]


def test_a_name_that_turned_private_after_it_was_saved_is_refused_at_delivery(app):
    # The name resolved to a public address when the owner saved it ...
    queue_test_webhook(app, "https://hooks.example.com/seats", "whsec_c2VjcmV0", PUBLIC_NAMES)

    # ... and to an internal one when the worker sends (DNS rebinding).
    first = deliver_once(app, now=lambda: NOW, resolve=resolving_to("10.0.0.1"))
    later = deliver_once(app, now=lambda: NOW + timedelta(days=1), resolve=resolving_to("10.0.0.1"))

    [delivery] = deliveries(app)
    assert (first.dead, later.dead, later.retrying) == (1, 0, 0)
    assert (delivery.status, delivery.attempts) == ("dead", 1)
    assert delivery.last_error == (
        "The webhook address resolves to a private network address (10.0.0.1), which is refused."
    )


@pytest.mark.parametrize("address", ["192.0.0.192", "::ffff:192.0.0.192", "192.88.99.1"])
def test_a_name_that_turned_special_purpose_after_it_was_saved_is_not_delivered(app, address):
    queue_test_webhook(app, "https://hooks.example.com/seats", "whsec_c2VjcmV0", PUBLIC_NAMES)

    report = deliver_once(app, now=lambda: NOW, resolve=resolving_to(address))

    [delivery] = deliveries(app)
    assert (report.dead, report.delivered) == (1, 0)
    assert delivery.status == "dead"
    assert address.removeprefix("::ffff:") in delivery.last_error
    assert delivery.last_error.endswith(", which is refused.")


def test_the_worker_connects_to_the_address_it_checked_and_names_the_host(app):
    with start_webhook_receiver() as receiver:
        port = receiver.url.rsplit(":", 1)[1]
        app.config["WEBHOOK_ALLOWED_NETWORKS"] = LOOPBACK_ALLOWED
        url = f"http://hooks.example.com:{port}/seats?v=1"
        queue_test_webhook(app, url, receiver.secret, PUBLIC_NAMES)

        report = deliver_once(app, resolve=resolving_to("127.0.0.1"))

    [request] = receiver.requests
    assert report.delivered == 1
    assert request.headers["host"] == f"hooks.example.com:{port}"
    assert request.path == "/seats?v=1"
    assert request.signature_valid
    assert deliveries(app)[0].status == "delivered"


def test_a_redirect_is_a_failed_delivery_and_its_target_is_never_contacted(app):
    with start_webhook_receiver() as target, start_webhook_receiver() as endpoint:
        endpoint.redirect_to(f"{target.url}/elsewhere")
        app.config["WEBHOOK_ALLOWED_NETWORKS"] = LOOPBACK_ALLOWED
        queue_test_webhook(app, f"{endpoint.url}/hooks", endpoint.secret, RECEIVERS_ALLOWED)

        report = deliver_once(app, now=lambda: NOW)

    [delivery] = deliveries(app)
    assert [request.status for request in endpoint.requests] == [302]
    assert target.requests == []
    assert report.dead == 1
    assert delivery.status == "dead"
    assert delivery.last_error == (
        "The webhook endpoint answered with a redirect (HTTP 302 Found), which is not "
        "followed: enter the URL it redirects to."
    )
