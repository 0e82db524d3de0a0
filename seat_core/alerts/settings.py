"""What owners configure: thresholds, the refusal digest window, recipients, webhook endpoints."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from .. import events
from ..errors import SeatError
from ..identity import email_key
from ..models import (
    DEFAULT_THRESHOLDS,
    AlertDelivery,
    AlertRecipient,
    AlertSettings,
    Organization,
    WebhookEndpoint,
)
from ..orgs import owners_of
from ..outbound import HostNotFound, OutboundPolicy, RefusedDestination, check_destination

DEFAULT_DIGEST_MINUTES = 15
MAX_DIGEST_MINUTES = 1440
MAX_THRESHOLDS = 10
MAX_RECIPIENTS = 50
MAX_ENDPOINTS = 10
# Public addresses only, names resolved by the system: what callers get unless they pass the
# operator's policy.
STRICT = OutboundPolicy()


class InvalidAlertSettings(SeatError):
    """Alert settings, a recipient or an endpoint that cannot be saved."""


class AlertNotFound(SeatError):
    """No such recipient, endpoint or delivery in the organization."""


@dataclass(frozen=True)
class AlertSettingsView:
    """An organization's thresholds (percent, ascending) and digest window (minutes)."""

    thresholds: tuple[int, ...]
    digest_minutes: int


def alert_settings_of(session: Session, organization_id: int) -> AlertSettingsView:
    """Return the organization's alert settings, or the defaults if never set."""
    row = session.execute(
        select(AlertSettings.thresholds, AlertSettings.digest_minutes).where(
            AlertSettings.organization_id == organization_id
        )
    ).one_or_none()
    if row is None:
        return AlertSettingsView(DEFAULT_THRESHOLDS, DEFAULT_DIGEST_MINUTES)
    return AlertSettingsView(parse_thresholds(row[0]), row[1])


def parse_thresholds(text: str | Iterable[int]) -> tuple[int, ...]:
    """Return thresholds from text like "80, 90, 100", ascending and without repeats.

    :raises InvalidAlertSettings: for anything but whole percentages from 1 to 100.
    """
    parts = (
        [p.strip() for p in text.replace(";", ",").split(",")] if isinstance(text, str) else text
    )
    values: set[int] = set()
    for part in parts:
        if part == "":
            continue
        try:
            value = int(str(part).removesuffix("%"))
        except ValueError:
            raise InvalidAlertSettings(
                f"{part!r} is not a percentage: use whole numbers from 1 to 100, like 80, 90, 100"
            ) from None
        if not 1 <= value <= 100:
            raise InvalidAlertSettings(f"Thresholds must be from 1 to 100 %, not {value}")
        values.add(value)
    if len(values) > MAX_THRESHOLDS:
        raise InvalidAlertSettings(f"At most {MAX_THRESHOLDS} thresholds, not {len(values)}")
    return tuple(sorted(values))


def set_alert_settings(
    session: Session,
    organization: Organization,
    *,
    thresholds: str | Iterable[int],
    digest_minutes: int,
    at: datetime,
) -> AlertSettingsView:
    """Save the organization's thresholds and refusal digest window.

    :raises InvalidAlertSettings: for a bad threshold or a window outside 0 to 1440 minutes.
    """
    parsed = parse_thresholds(thresholds)
    if isinstance(digest_minutes, bool) or not isinstance(digest_minutes, int):
        raise InvalidAlertSettings("The digest window must be a whole number of minutes")
    if not 0 <= digest_minutes <= MAX_DIGEST_MINUTES:
        raise InvalidAlertSettings(
            f"The digest window must be from 0 to {MAX_DIGEST_MINUTES} minutes, "
            f"not {digest_minutes}"
        )
    row = session.get(AlertSettings, organization.id)
    if row is None:
        row = AlertSettings(organization_id=organization.id)
        session.add(row)
    row.thresholds = ",".join(str(t) for t in parsed)
    row.digest_minutes = digest_minutes
    row.updated_at = at
    session.flush()
    return AlertSettingsView(parsed, digest_minutes)


def email_recipients(session: Session, organization_id: int) -> list[str]:
    """Return the addresses alert emails go to: every owner, then the extra recipients."""
    seen: set[str] = set()
    addresses: list[str] = []
    extra = session.execute(
        select(AlertRecipient.email, AlertRecipient.email_key)
        .where(AlertRecipient.organization_id == organization_id)
        .order_by(AlertRecipient.id)
    ).all()
    for email, key in [(o.email, o.email_key) for o in owners_of(session, organization_id)] + [
        (e, k) for e, k in extra
    ]:
        if key not in seen:
            seen.add(key)
            addresses.append(email)
    return addresses


def recipients_of(session: Session, organization_id: int) -> list[AlertRecipient]:
    """Return the organization's extra alert recipients, oldest first."""
    return list(
        session.scalars(
            select(AlertRecipient)
            .where(AlertRecipient.organization_id == organization_id)
            .order_by(AlertRecipient.id)
        )
    )


def add_recipient(
    session: Session, organization: Organization, *, email: str, at: datetime
) -> AlertRecipient:
    """Add an extra address that gets the alert emails.

    :raises InvalidAlertSettings: for a bad address, an owner's, or one already added.
    """
    email = email.strip()
    try:
        key = email_key(email)
    except SeatError as error:
        raise InvalidAlertSettings(error.message) from None
    if len(email) > 320:
        raise InvalidAlertSettings("An email address has at most 320 characters")
    if any(owner.email_key == key for owner in owners_of(session, organization.id)):
        raise InvalidAlertSettings(f"{email} is an owner and gets every alert already")
    existing = recipients_of(session, organization.id)
    if any(r.email_key == key for r in existing):
        raise InvalidAlertSettings(f"{email} gets the alerts already")
    if len(existing) >= MAX_RECIPIENTS:
        raise InvalidAlertSettings(f"At most {MAX_RECIPIENTS} extra recipients")
    recipient = AlertRecipient(
        organization_id=organization.id, email=email, email_key=key, created_at=at
    )
    session.add(recipient)
    session.flush()
    return recipient


def remove_recipient(session: Session, organization: Organization, recipient_id: int) -> None:
    """Stop sending alert emails to an extra recipient.

    :raises AlertNotFound: when the organization has no such recipient.
    """
    removed = session.execute(
        delete(AlertRecipient)
        .where(AlertRecipient.id == recipient_id, AlertRecipient.organization_id == organization.id)
        .returning(AlertRecipient.id)
    ).first()
    if removed is None:
        raise AlertNotFound("No such recipient: it may have been removed already")


def webhook_endpoints_of(session: Session, organization_id: int) -> list[WebhookEndpoint]:
    """Return the organization's webhook endpoints, oldest first."""
    return list(
        session.scalars(
            select(WebhookEndpoint)
            .where(WebhookEndpoint.organization_id == organization_id)
            .order_by(WebhookEndpoint.id)
        )
    )


def get_webhook_endpoint(
    session: Session, organization: Organization, endpoint_id: int
) -> WebhookEndpoint:
    """Return one of the organization's webhook endpoints.

    :raises AlertNotFound: when it has none with that id.
    """
    endpoint = session.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organization_id != organization.id:
        raise AlertNotFound("No such webhook endpoint: it may have been deleted")
    return endpoint


def check_webhook_url(url: str, *, policy: OutboundPolicy = STRICT) -> str:
    """Return the URL stripped, if the gateway may send webhooks to it (docs/alerts.md).

    It must be an absolute http(s) URL without credentials, whose host is, or resolves
    only to, public addresses or addresses in the operator's allowed networks.

    :raises InvalidAlertSettings: otherwise, saying why.
    """
    url = url.strip()
    if not url:
        raise InvalidAlertSettings("Enter the URL the webhooks are sent to")
    if len(url) > 2048:
        raise InvalidAlertSettings("A webhook URL has at most 2048 characters")
    try:
        check_destination(url, policy)
    except (RefusedDestination, HostNotFound) as error:
        raise InvalidAlertSettings(error.message) from None
    if urlsplit(url).fragment:
        raise InvalidAlertSettings("A webhook URL has no #fragment")
    return url


def add_webhook_endpoint(
    session: Session,
    organization: Organization,
    *,
    url: str,
    secret_encrypted: str,
    at: datetime,
    policy: OutboundPolicy = STRICT,
) -> WebhookEndpoint:
    """Add a webhook endpoint; its secret comes encrypted (the seat core never sees it).

    :raises InvalidAlertSettings: for a refused URL or too many endpoints.
    """
    # Checked before the first statement: the name lookup holds no database lock.
    url = check_webhook_url(url, policy=policy)
    if len(webhook_endpoints_of(session, organization.id)) >= MAX_ENDPOINTS:
        raise InvalidAlertSettings(f"At most {MAX_ENDPOINTS} webhook endpoints")
    endpoint = WebhookEndpoint(
        organization_id=organization.id, url=url, secret_encrypted=secret_encrypted, created_at=at
    )
    session.add(endpoint)
    session.flush()
    endpoint_changed(session, endpoint, "added", at=at)
    return endpoint


def rotate_webhook_secret(
    session: Session,
    organization: Organization,
    endpoint_id: int,
    *,
    secret_encrypted: str,
    at: datetime,
) -> WebhookEndpoint:
    """Replace an endpoint's secret; deliveries not yet sent are signed with the new one.

    :raises AlertNotFound: when the organization has no such endpoint.
    """
    endpoint = get_webhook_endpoint(session, organization, endpoint_id)
    endpoint.secret_encrypted = secret_encrypted
    endpoint.secret_rotated_at = at
    session.flush()
    endpoint_changed(session, endpoint, "secret_rotated", at=at)
    return endpoint


def delete_webhook_endpoint(
    session: Session, organization: Organization, endpoint_id: int, *, at: datetime
) -> None:
    """Delete an endpoint; what was still to be sent to it is given up.

    :raises AlertNotFound: when the organization has no such endpoint.
    """
    endpoint = get_webhook_endpoint(session, organization, endpoint_id)
    session.execute(
        update(AlertDelivery)
        .where(AlertDelivery.endpoint_id == endpoint.id, AlertDelivery.status == "pending")
        .values(status="dead", last_error="The endpoint was deleted", lease_until=None)
    )
    endpoint_changed(session, endpoint, "deleted", at=at)
    session.delete(endpoint)
    session.flush()


def endpoint_changed(
    session: Session, endpoint: WebhookEndpoint, change: str, *, at: datetime
) -> None:
    """Log a change of a webhook endpoint: its URL and what changed, never its secret."""
    types = [each for each in endpoint.event_types.split(",") if each]
    events.record(
        session,
        endpoint.organization_id,
        "webhook.endpoint_changed",
        at=at,
        subject=endpoint.url,
        data={"endpoint_id": endpoint.id, "change": change, "event_types": types},
    )
