"""The delivery worker: one pass (`alerts deliver`) or a loop (`alerts worker`)."""

from __future__ import annotations

import logging
import ssl
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime

from flask import Flask
from sqlalchemy.orm import Session, sessionmaker

from seat_core import (
    close_digests,
    events,
    notify_certificates,
    notify_renewals,
    notify_token_expiry,
    prune_events,
    push_events,
    reclaim_due,
    renew_due,
)
from seat_core.alerts.subscriptions import OUTBOX_PREFIX
from seat_core.outbound import Resolver, resolve_host

from .. import i18n
from ..clock import now as clock_now
from ..config import seller
from ..crypto import UnreadableSecret, decrypt
from ..db import database
from ..operator import mail as link_mail
from . import claims, failures, mail, messages, webhooks
from .claims import Claim
from .content import Content
from .options import Options

log = logging.getLogger("scim_gateway.outbox")


WORKER = events.Actor("system", None, "worker")


@dataclass
class Report:
    """What one pass did."""

    delivered: int = 0
    retrying: int = 0
    dead: int = 0
    digests: int = 0
    renewal_notices: int = 0
    certificate_notices: int = 0
    token_notices: int = 0
    events_queued: int = 0
    events_pruned: int = 0
    seats_reclaimed: int = 0
    errors: list[str] = field(default_factory=list)


def _content_of(item: Claim, public_url: str) -> Content:
    """Return what a delivery says: an owner's link mail, or an alert."""
    if item.event in link_mail.EVENTS:
        return link_mail.link_content(item)
    return messages.content_of(item, public_url)


def _email_of(item: Claim, public_url: str) -> tuple[Content, str, str]:
    """Return what an email says, and its plain-text and HTML bodies, in its language."""
    with i18n.in_language(item.organization_language):
        content = _content_of(item, public_url)
        return content, *messages.render_email(content)


class Sender:
    """Sends claimed deliveries over one SMTP connection, and webhooks where policy allows."""

    def __init__(self, options: Options, resolve: Resolver = resolve_host) -> None:
        self.options = options
        self.mailer = mail.Mailer(options)
        self.policy = options.webhook_policy(resolve)
        self.tls = ssl.create_default_context()

    def send(self, item: Claim, *, at: datetime) -> None:
        """Send one delivery.

        :raises mail.MailFailed: or webhooks.WebhookFailed, or UnreadableSecret.
        """
        if item.channel == "email":
            assert item.recipient is not None
            content, text, html = _email_of(item, self.options.public_url)
            message = mail.compose(
                self.options,
                to=item.recipient,
                subject=content.subject,
                text=text,
                html=html,
                message_id=item.message_id,
                at=item.created_at,
                event=item.event,
            )
            self.mailer.send(message, item.recipient)
            return
        if item.url is None or item.secret_encrypted is None:
            raise webhooks.WebhookFailed("The endpoint was deleted")
        if item.event.startswith(OUTBOX_PREFIX):
            # An event of the log the endpoint subscribed to (email never gets these).
            kind, data = item.event.removeprefix(OUTBOX_PREFIX), messages.event_data(item)
        else:
            # The summary is written in the organization's language; the rest are codes.
            with i18n.in_language(item.organization_language):
                content = _content_of(item, self.options.public_url)
            kind, data = item.event, messages.webhook_data(item, content)
        webhooks.post(
            item.url,
            policy=self.policy,
            tls=self.tls,
            secret=decrypt(item.secret_encrypted),
            message_id=f"msg_{item.message_id}",
            timestamp=int(at.timestamp()),
            body=webhooks.body_of(kind, item.created_at.isoformat(), data),
            timeout=self.options.send_timeout_seconds,
        )

    def close(self) -> None:
        """Close the SMTP connection (each webhook has a connection of its own)."""
        self.mailer.close()


def deliver_once(
    app: Flask,
    *,
    stop: threading.Event | None = None,
    renewals: bool = True,
    now: Callable[[], datetime] = clock_now,
    resolve: Resolver = resolve_host,
) -> Report:
    """Deliver everything due now: close digest windows, then send batch after batch.

    Webhook host names are looked up with resolve (the system's resolver unless a test
    gives one). Each outcome is committed right after its send, so a worker killed mid-batch resends
    at most the delivery it was sending, and the unsent rest once their lease expires.
    """
    options = Options.from_config(app.config)
    report = Report()
    stop = stop or threading.Event()
    with app.app_context(), events.acting_as(WORKER):
        sessions = database().sessions
        with sessions.begin() as session:
            if renewals:
                report.renewal_notices = notify_renewals(session, at=now())
                report.certificate_notices = notify_certificates(session, at=now())
                report.token_notices = notify_token_expiry(session, at=now())
                # Pruned as often as renewals are looked for: a day's events at most.
                days = app.config["EVENT_RETENTION_DAYS"]
                report.events_pruned = prune_events(session, at=now(), days=days)
                # Idempotent within a day: the warnings and releases of dormant seats.
                reclaimed = reclaim_due(session, at=now())
                report.seats_reclaimed = sum(len(result.released) for result in reclaimed)
            report.digests = len(close_digests(session, at=now()))
            report.events_queued = push_events(session, at=now())
        sender = Sender(options, resolve)
        try:
            while not stop.is_set():
                # A durable commit syncs SQLite's log up to here: no mail or webhook tells of
                # a write that a power cut could still roll back (an invoice a renewal issued
                # inside a seat take's ordinary transaction, say).
                with database().durable_sessions.begin() as session:
                    batch = claims.claim(session, now=now(), options=options)
                if not batch:
                    break
                _send_batch(sessions, sender, batch, options, report, stop, now)
        finally:
            sender.close()
    return report


def _send_batch(
    factory: sessionmaker[Session],
    sender: Sender,
    batch: list[Claim],
    options: Options,
    report: Report,
    stop: threading.Event,
    now: Callable[[], datetime],
) -> None:
    for index, item in enumerate(batch):
        # Stop before the lease lapses (another worker may then claim the rest) or when asked.
        margin = min(options.send_timeout_seconds * 2, options.lease_seconds / 2)
        if stop.is_set() or (item.lease_until - now()).total_seconds() < margin:
            with factory.begin() as session:
                claims.release(session, batch[index:])
            return
        try:
            sender.send(item, at=now())
        except Exception as error:
            # Whatever went wrong (a server, a secret, a bug in rendering) is recorded on the
            # delivery, so it retries and finally shows as failed instead of looping on leases.
            permanent = isinstance(error, UnreadableSecret) or getattr(error, "permanent", False)
            if not isinstance(error, (mail.MailFailed, webhooks.WebhookFailed, UnreadableSecret)):
                log.exception("alert delivery %s failed unexpectedly", item.delivery_id)
                error = RuntimeError(f"{type(error).__name__}: {error}")
            with factory.begin() as session:
                outcome = claims.fail(
                    session,
                    item,
                    error=failures.describe(error),
                    now=now(),
                    options=options,
                    permanent=permanent,
                )
            if outcome == "dead":
                report.dead += 1
            else:
                report.retrying += 1
            report.errors.append(f"delivery {item.delivery_id}: {error}")
            log.warning(
                "alert delivery %s failed (%s): %s",
                item.delivery_id,
                outcome,
                error,
                extra={"event": item.event, "organization": item.organization_slug},
            )
            continue
        with factory.begin() as session:
            claims.acknowledge(session, item, now=now())
        report.delivered += 1


def renew_ended_terms(app: Flask) -> int:
    """Renew or expire every contract whose term has ended (`renew-due`); return how many."""
    with app.app_context(), events.acting_as(WORKER), database().sessions.begin() as session:
        invoices = renew_due(session, at=clock_now(), seller=seller(app.config))
    if invoices:
        log.info("renewed %d contract term(s)", len(invoices))
    return len(invoices)


def run_worker(app: Flask, stop: threading.Event) -> None:
    """Deliver in a loop until stop is set; renewals, notices and reclamation every few minutes."""
    options = Options.from_config(app.config)
    last_renewal_check = float("-inf")
    while not stop.is_set():
        renewals = time.monotonic() - last_renewal_check >= options.renewal_check_seconds
        try:
            if renewals:
                # The daily jobs ride on the same check: ended terms renew before their alerts.
                renew_ended_terms(app)
            report = deliver_once(app, stop=stop, renewals=renewals)
            if renewals:
                last_renewal_check = time.monotonic()
            if report.delivered or report.retrying or report.dead:
                log.info(
                    "alerts: %d delivered, %d to retry, %d dead",
                    report.delivered,
                    report.retrying,
                    report.dead,
                )
        except Exception:
            # A database restart must not end the worker: log, wait, try again.
            log.exception("alert delivery pass failed; retrying after the poll interval")
        stop.wait(options.poll_seconds)
