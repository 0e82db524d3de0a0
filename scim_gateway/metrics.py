"""Prometheus metrics at GET /metrics, and the request id of every request (docs/metrics.md).

One WSGI wrapper around the app gives each request its id (scim_gateway.request_id) and
counts it by route template, method and status once the app has answered. Counters live in
this process; under gunicorn, with PROMETHEUS_MULTIPROC_DIR set (gunicorn.conf.py does it),
prometheus_client keeps them in files that any worker's scrape adds up. What the database
knows (seats, the outbox, deliveries) is read from it at scrape time, so that every worker
and the alert worker agree.
"""

from __future__ import annotations

import hmac
import logging
import os
import time
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

from flask import Flask, Response, current_app, got_request_exception, request
from prometheus_client import (
    CollectorRegistry,
    Counter,
    Histogram,
    disable_created_metrics,
    generate_latest,
)
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from prometheus_client.metrics_core import GaugeMetricFamily, Metric
from prometheus_client.multiprocess import MultiProcessCollector
from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from seat_core.models import AlertDelivery, Contract, Organization

from . import request_id
from .clock import now
from .db import read_only

log = logging.getLogger("scim_gateway.metrics")

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
# The route label of a request no rule matched (404, or 405 before routing): one value for
# every unknown path, so that a scan of random URLs cannot grow the label set.
UNMATCHED = "unmatched"
_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# Seconds: from a cached SCIM read (~1 ms) to a slow PostgreSQL write under load.
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)

# The metrics this process counts. Their own registry, not prometheus_client's global one:
# a scrape adds the database's gauges to them, or, under gunicorn, reads every worker's files.
LOCAL = CollectorRegistry(auto_describe=True)
# No *_created series: a scrape of several workers' files has none, so one mode matches the other.
disable_created_metrics()
# Its _count series is the count of requests: a separate counter would cost every request
# another write to the worker's file under gunicorn (docs/metrics.md).
LATENCY = Histogram(
    "scim_gateway_http_request_duration_seconds",
    "Requests answered and the time from reaching the app to the answer, by route template, "
    "method and status.",
    ["route", "method", "status"],
    buckets=LATENCY_BUCKETS,
    registry=LOCAL,
)
REFUSALS = Counter(
    "scim_gateway_seat_refusals",
    "People refused and recorded as seat requests, by channel (scim, sso) and reason.",
    ["channel", "reason"],
    registry=LOCAL,
)
RATE_LIMITED = Counter(
    "scim_gateway_rate_limited",
    "Requests refused by a rate limit, by limit (scim, owner-sign-in).",
    ["limit"],
    registry=LOCAL,
)
DATABASE_ERRORS = Counter(
    "scim_gateway_database_errors",
    "Database errors answered as 503 or 500, by SQLAlchemy error class and status.",
    ["error", "status"],
    registry=LOCAL,
)

POOL_EXHAUSTED = Counter(
    "scim_gateway_database_pool_exhausted",
    "Requests that found every connection of their worker's pool busy for pool_timeout, "
    "answered 503.",
    registry=LOCAL,
)

_children: dict[tuple[str, str, str], Any] = {}


def init_app(app: Flask) -> None:
    """Serve /metrics, and wrap the app so that each request gets its id and is counted."""
    app.wsgi_app = instrument(app.wsgi_app)  # type: ignore[method-assign]
    app.add_url_rule("/metrics", "metrics", scrape)
    got_request_exception.connect(_unhandled, app)


def _unhandled(sender: Flask, exception: BaseException, **_: Any) -> None:
    # An error no handler took becomes Flask's own 500 (the admin pages, SSO).
    if isinstance(exception, SQLAlchemyError):
        database_error(exception, 500)


def instrument(wsgi_app: Callable[..., Iterable[bytes]]) -> Callable[..., Iterable[bytes]]:
    """Return wsgi_app giving each request its id and counting it once answered."""
    perf_counter = time.perf_counter
    choose = request_id.choose
    current = request_id.current_var

    def observed(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        began = perf_counter()
        rid = choose(environ.get(request_id.ENVIRON_HEADER))
        environ[request_id.ENVIRON_KEY] = rid
        token = current.set(rid)
        # A request that escapes the app gets a 500 from the server; no rule is known then.
        answered: list[Any] = ["500", None]

        def start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
            headers.append((request_id.HEADER, rid))
            answered[0] = status[:3]
            # Flask answers before it ends the request context, which forgets the request.
            flask_request = environ.get("werkzeug.request")
            if flask_request is not None:
                answered[1] = flask_request.url_rule
            return start_response(status, headers, exc_info)

        try:
            return wsgi_app(environ, start)
        finally:
            current.reset(token)
            _count(environ, answered, perf_counter() - began)

    observed.__wrapped__ = wsgi_app  # type: ignore[attr-defined]
    return observed


def _count(environ: dict[str, Any], answered: list[Any], seconds: float) -> None:
    status, rule = answered
    method = environ.get("REQUEST_METHOD", "")
    key = (
        UNMATCHED if rule is None else rule.rule,
        method if method in _METHODS else "other",
        status,
    )
    child = _children.get(key)
    if child is None:
        # Built once per route, method and status: labels() costs more than the counting.
        child = _children[key] = LATENCY.labels(*key)
    child.observe(seconds)


def seat_refused(*, channel: str, reason: str) -> None:
    """Count a person refused a seat (called by scim_gateway.refusals alone)."""
    REFUSALS.labels(channel, reason).inc()


def rate_limited(limit: str) -> None:
    """Count a request refused by the named rate limit (called by scim_gateway.ratelimit)."""
    RATE_LIMITED.labels(limit).inc()


def database_error(error: BaseException, status: int) -> None:
    """Count a database error answered with status (503 unavailable, 500 otherwise)."""
    DATABASE_ERRORS.labels(type(error).__name__, str(status)).inc()


def pool_exhausted() -> None:
    """Count a request that waited in vain for a connection of the worker's pool."""
    POOL_EXHAUSTED.inc()


def scrape() -> Response:
    """Serve every metric in Prometheus's text format, behind the bearer token if one is set."""
    expected = current_app.config.get("METRICS_TOKEN")
    if not expected and not current_app.config.get("METRICS_OPEN", True):
        return Response(
            "Metrics are closed: set SCIM_GATEWAY_METRICS_TOKEN and scrape with it as a "
            "bearer token, or open them with SCIM_GATEWAY_METRICS_OPEN=true.\n",
            403,
            content_type="text/plain; charset=utf-8",
        )
    if expected and not _bearer_matches(str(expected)):
        return Response(
            "Send the metrics token as 'Authorization: Bearer <token>'.\n",
            401,
            {"WWW-Authenticate": 'Bearer realm="metrics"'},
            content_type="text/plain; charset=utf-8",
        )
    return Response(generate_latest(Scrape()), content_type=CONTENT_TYPE_LATEST)


def _bearer_matches(expected: str) -> bool:
    scheme, _, given = request.headers.get("Authorization", "").partition(" ")
    # Compared as bytes in constant time: how much of a guess matched must not show.
    return scheme.lower() == "bearer" and hmac.compare_digest(
        given.strip().encode(), expected.encode()
    )


class Scrape:
    """What one scrape shows: the counters (this process's or every worker's) and the database."""

    def collect(self) -> Iterator[Metric]:
        path = os.environ.get(MULTIPROC_ENV)
        if path:
            workers = CollectorRegistry()
            MultiProcessCollector(workers, path)
            yield from workers.collect()
        else:
            yield from LOCAL.collect()
        yield pooler_metric(str(current_app.config["DATABASE_POOLER"]))
        yield from database_metrics(now())


def pooler_metric(pooler: str) -> Metric:
    """Name how the gateway reaches the database, as an info-style gauge of value 1."""
    info = GaugeMetricFamily(
        "scim_gateway_database_pooler",
        'How the gateway reaches the database: "direct", or "transaction" through a '
        "transaction-mode pooler (SCIM_GATEWAY_DATABASE_POOLER).",
        labels=["pooler"],
    )
    info.add_metric([pooler], 1)
    return info


def database_metrics(at: datetime) -> list[Metric]:
    """Read the seats, the outbox backlog and the deliveries from the database, as gauges."""
    up = GaugeMetricFamily(
        "scim_gateway_database_up", "1 if the scrape could read the database, else 0."
    )
    try:
        with read_only() as session:
            seats = session.execute(
                select(Organization.slug, Contract.seats_used, Contract.seats_purchased)
                .join(Contract, Contract.organization_id == Organization.id)
                .order_by(Organization.slug)
            ).all()
            deliveries = session.execute(
                select(AlertDelivery.channel, AlertDelivery.status, func.count())
                .group_by(AlertDelivery.channel, AlertDelivery.status)
                .order_by(AlertDelivery.channel, AlertDelivery.status)
            ).all()
            oldest = session.scalar(
                select(
                    func.min(func.coalesce(AlertDelivery.retried_at, AlertDelivery.created_at))
                ).where(AlertDelivery.status == "pending")
            )
    except SQLAlchemyError:
        log.warning("metrics: the database could not be read", exc_info=True)
        up.add_metric([], 0)
        return [up]
    up.add_metric([], 1)
    used = GaugeMetricFamily(
        "scim_gateway_seats_used", "Seats in use, by organization.", labels=["organization"]
    )
    purchased = GaugeMetricFamily(
        "scim_gateway_seats_purchased",
        "Seats purchased for the current term, by organization.",
        labels=["organization"],
    )
    for slug, seats_used, seats_purchased in seats:
        used.add_metric([slug], seats_used)
        purchased.add_metric([slug], seats_purchased)
    by_outcome = GaugeMetricFamily(
        "scim_gateway_alert_deliveries",
        "Alert deliveries by channel (email, webhook) and status (pending, delivered, dead).",
        labels=["channel", "status"],
    )
    backlog = GaugeMetricFamily(
        "scim_gateway_outbox_backlog",
        "Alert deliveries waiting to be sent (pending), by channel.",
        labels=["channel"],
    )
    waiting = {"email": 0, "webhook": 0}
    for channel, status, count in deliveries:
        by_outcome.add_metric([channel, status], count)
        if status == "pending":
            waiting[channel] = count
    for channel, count in waiting.items():
        backlog.add_metric([channel], count)
    age = GaugeMetricFamily(
        "scim_gateway_outbox_oldest_age_seconds",
        "Age of the oldest alert delivery still waiting to be sent; 0 when none waits.",
    )
    age.add_metric([], max(0.0, (at - oldest).total_seconds()) if oldest is not None else 0.0)
    return [up, used, purchased, by_outcome, backlog, age]
