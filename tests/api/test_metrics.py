"""GET /metrics: counters by route template, seats and the outbox read from the database."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from sqlalchemy import func, select, text

from scim_gateway import create_app
from scim_gateway.db import transaction
from seat_core import get_organization, usage
from seat_core.alerts.outbox import enqueue
from seat_core.models import AlertDelivery
from tests.api.admin.conftest import PRIMARY, create_acme, sign_in
from tests.api.scim.conftest import BASE, Scim, make_organization, user
from tests.conftest import TEST_CONFIG
from tests.factories import gen_owner

HISTOGRAM = "scim_gateway_http_request_duration_seconds"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]


def scrape(client: FlaskClient, token: str | None = None) -> Samples:
    """GET /metrics, parse it with prometheus_client's own parser, return every sample."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    response = client.get("/metrics", headers=headers)
    assert response.status_code == 200, response.text
    assert response.content_type.startswith("text/plain")
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(response.text)
        for sample in family.samples
    }


def value(samples: Samples, name: str, **labels: str) -> float:
    """Return one sample's value, 0 when the series does not exist (yet)."""
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


def requests_of(samples: Samples, route: str, method: str = "GET", status: str = "200") -> float:
    return value(samples, f"{HISTOGRAM}_count", route=route, method=method, status=status)


@pytest.fixture
def scim(app: Flask) -> Scim:
    """Acme with 2 seats, and a client with its SCIM token."""
    return Scim(app, app.test_client(), make_organization(app, "acme", 2), "acme")


def test_requests_are_counted_by_route_template_method_and_status(app: Flask, scim: Scim) -> None:
    ann = scim.create_user("ann@acme.test")
    before = scrape(scim.client)

    for _ in range(3):
        assert scim.get(f"/Users/{ann['id']}").status_code == 200
    assert scim.get("/Users/no-such-id").status_code == 404
    assert scim.client.get("/no/such/page/1").status_code == 404
    assert scim.client.get("/no/such/page/2").status_code == 404
    after = scrape(scim.client)

    route = f"{BASE}/Users/<resource_id>"
    assert requests_of(after, route) - requests_of(before, route) == 3
    assert requests_of(after, route, status="404") - requests_of(before, route, status="404") == 1
    assert (
        requests_of(after, "unmatched", status="404")
        - requests_of(before, "unmatched", status="404")
        == 2
    )
    assert requests_of(after, f"{BASE}/Users", "POST", "201") >= 1
    # The raw paths never become labels: the set of series stays bounded.
    routes = {dict(labels).get("route") for _, labels in after}
    assert not any(route and (ann["id"] in route or "/no/such" in route) for route in routes)
    # Each request falls in one bucket; the +Inf bucket holds them all.
    inf = value(after, f"{HISTOGRAM}_bucket", route=route, method="GET", status="200", le="+Inf")
    assert inf == requests_of(after, route)
    assert value(after, f"{HISTOGRAM}_sum", route=route, method="GET", status="200") > 0


def test_an_unknown_method_is_one_label_value(app: Flask) -> None:
    client = app.test_client()
    before = scrape(client)

    assert client.open("/healthz", method="BREW").status_code == 405
    after = scrape(client)

    assert (
        requests_of(after, "unmatched", "other", "405")
        - requests_of(before, "unmatched", "other", "405")
        == 1
    )
    assert all(dict(labels).get("method") != "BREW" for _, labels in after)


def test_seat_gauges_are_read_from_the_database_for_every_organization(
    app: Flask, scim: Scim
) -> None:
    globex = Scim(app, app.test_client(), make_organization(app, "globex", 7), "globex")
    scim.create_user("ann@acme.test")
    scim.create_user("bob@acme.test")
    globex.create_user("cy@globex.test", active=False)

    samples = scrape(scim.client)

    with app.app_context(), transaction() as session:
        for slug in ("acme", "globex"):
            current = usage(session, get_organization(session, slug))
            labels = {"organization": slug}
            assert value(samples, "scim_gateway_seats_used", **labels) == current.seats_in_use
            purchased = value(samples, "scim_gateway_seats_purchased", **labels)
            assert purchased == current.seats_purchased
    assert value(samples, "scim_gateway_seats_used", organization="acme") == 2
    assert value(samples, "scim_gateway_seats_purchased", organization="globex") == 7
    assert value(samples, "scim_gateway_database_up") == 1


def test_a_refused_create_is_counted_once_by_channel_and_reason(scim: Scim) -> None:
    scim.create_user("ann@acme.test")
    scim.create_user("bob@acme.test")
    before = scrape(scim.client)

    refused = scim.post("/Users", user("cy@acme.test"))
    after = scrape(scim.client)

    assert refused.status_code == 403 and refused.json["scimType"] == "seatLimitReached"  # type: ignore[index]
    name, labels = "scim_gateway_seat_refusals_total", {"channel": "scim", "reason": "no_seat"}
    assert value(after, name, **labels) - value(before, name, **labels) == 1


def test_rate_limit_rejections_are_counted_by_limit(database_url: str) -> None:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "SCIM_RATE_LIMIT": "2/minute"})
    limited = Scim(app, app.test_client(), make_organization(app, "acme", 2), "acme")
    before = scrape(limited.client)

    statuses = [limited.get("/Users").status_code for _ in range(4)]
    after = scrape(limited.client)
    app.extensions["db"].dispose()

    assert statuses == [200, 200, 429, 429]
    name = "scim_gateway_rate_limited_total"
    assert value(after, name, limit="scim") - value(before, name, limit="scim") == 2


def test_owner_sign_in_rejections_are_counted_under_their_own_limit(database_url: str) -> None:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "LOGIN_RATE_LIMIT": "1/minute"})
    create_acme(app)
    client = app.test_client()
    before = scrape(client)

    statuses = [sign_in(client, PRIMARY, "wrong password!").status_code for _ in range(3)]
    after = scrape(client)
    app.extensions["db"].dispose()

    assert statuses == [401, 429, 429]
    name, labels = "scim_gateway_rate_limited_total", {"limit": "owner-sign-in"}
    assert value(after, name, **labels) - value(before, name, **labels) == 2
    assert value(after, name, limit="scim") == value(before, name, limit="scim")


def test_a_database_that_is_down_is_counted_as_a_503() -> None:
    app = create_app(
        {
            **TEST_CONFIG,
            "DATABASE_URL": "postgresql+psycopg://scim@127.0.0.1:1/none?connect_timeout=1",
        }
    )
    client = app.test_client()
    name = "scim_gateway_database_errors_total"
    labels = {"error": "OperationalError", "status": "503"}

    first = client.get("/metrics")
    down = client.get(f"{BASE}/Users", headers={"Authorization": "Bearer x"})
    second = client.get("/metrics")
    samples = [
        {
            (s.name, tuple(sorted(s.labels.items()))): s.value
            for f in text_string_to_metric_families(r.text)
            for s in f.samples
        }
        for r in (first, second)
    ]

    assert down.status_code == 503
    # The scrape itself still answers, and says the database could not be read.
    assert (first.status_code, second.status_code) == (200, 200)
    assert value(samples[1], "scim_gateway_database_up") == 0
    assert value(samples[1], name, **labels) - value(samples[0], name, **labels) == 1


@pytest.fixture
def failing_page(app: Flask) -> Iterator[Flask]:
    """The app with one more page whose write the database refuses, answered as a 500."""
    make_organization(app, "acme", 2)

    def broken() -> str:
        """Break the seat invariant, which the contract's CHECK constraint refuses."""
        with transaction() as session:
            session.execute(text("UPDATE contract SET seats_used = -1"))
        return "unreachable"

    app.add_url_rule("/broken", "broken", broken)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    yield app


def test_a_database_error_answered_as_a_500_is_counted(failing_page: Flask) -> None:
    client = failing_page.test_client()
    name = "scim_gateway_database_errors_total"
    labels = {"error": "IntegrityError", "status": "500"}
    before = scrape(client)

    response = client.get("/broken")
    after = scrape(client)

    assert response.status_code == 500
    assert value(after, name, **labels) - value(before, name, **labels) == 1
    assert (
        requests_of(after, "/broken", status="500") - requests_of(before, "/broken", status="500")
        == 1
    )
    assert value(after, "scim_gateway_seats_used", organization="acme") == 0


def test_the_outbox_backlog_and_deliveries_are_read_from_the_database(app: Flask) -> None:
    at = datetime.now(UTC) - timedelta(minutes=10)
    make_organization(app, "acme", 2)
    with app.app_context(), transaction() as session:
        acme = get_organization(session, "acme")
        gen_owner(session, acme, "ann@acme.test")
        gen_owner(session, acme, "bob@acme.test", role="owner")
        enqueue(session, organization_id=acme.id, event="test.one", payload={}, at=at)
        enqueue(
            session,
            organization_id=acme.id,
            event="test.two",
            payload={},
            at=at + timedelta(minutes=5),
        )
        first = session.scalars(select(AlertDelivery).order_by(AlertDelivery.id)).first()
        assert first is not None
        first.status, first.delivered_at = "delivered", at

    samples = scrape(app.test_client())

    with app.app_context(), transaction() as session:
        counts = dict(
            session.execute(
                select(AlertDelivery.status, func.count()).group_by(AlertDelivery.status)
            ).all()
        )
    assert counts == {"pending": 3, "delivered": 1}
    deliveries = "scim_gateway_alert_deliveries"
    assert value(samples, deliveries, channel="email", status="pending") == 3
    assert value(samples, deliveries, channel="email", status="delivered") == 1
    assert value(samples, "scim_gateway_outbox_backlog", channel="email") == 3
    assert value(samples, "scim_gateway_outbox_backlog", channel="webhook") == 0
    # The oldest pending delivery is the second one of the first message, 10 minutes old.
    age = value(samples, "scim_gateway_outbox_oldest_age_seconds")
    assert 600 <= age < 600 + 120


def test_the_metrics_token_is_required_when_set(database_url: str) -> None:
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url, "METRICS_TOKEN": "s3cret"})
    client = app.test_client()

    missing = client.get("/metrics")
    wrong = client.get("/metrics", headers={"Authorization": "Bearer s3cre"})
    other_scheme = client.get("/metrics", headers={"Authorization": "Basic s3cret"})
    samples = scrape(client, "s3cret")
    app.extensions["db"].dispose()

    for refused in (missing, wrong, other_scheme):
        assert refused.status_code == 401
        assert refused.headers["WWW-Authenticate"] == 'Bearer realm="metrics"'
        assert "scim_gateway" not in refused.text
    assert value(samples, "scim_gateway_database_up") == 1
    # The refused scrapes are counted like any request.
    assert requests_of(samples, "/metrics", status="401") >= 3


def test_without_a_token_configured_the_metrics_are_open(client: FlaskClient) -> None:
    assert client.get("/metrics").status_code == 200


def test_in_production_the_metrics_are_closed_until_a_token_is_set_or_they_are_opened(
    database_url: str,
) -> None:
    production = {**TEST_CONFIG, "DATABASE_URL": database_url, "ENVIRONMENT": "production"}
    closed = create_app(production)
    opened = create_app({**production, "METRICS_OPEN": "true"})
    token = create_app({**production, "METRICS_TOKEN": "s3cret"})

    refused = closed.test_client().get("/metrics")
    open_scrape = opened.test_client().get("/metrics")
    with_token = scrape(token.test_client(), "s3cret")
    without_token = token.test_client().get("/metrics")
    for app in (closed, opened, token):
        app.extensions["db"].dispose()

    assert refused.status_code == 403
    assert "SCIM_GATEWAY_METRICS_TOKEN" in refused.text
    assert "scim_gateway" not in refused.text.replace("SCIM_GATEWAY", "")
    assert open_scrape.status_code == 200
    assert "scim_gateway_database_up" in open_scrape.text
    assert value(with_token, "scim_gateway_database_up") == 1
    assert without_token.status_code == 401
