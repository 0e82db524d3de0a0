"""The owners' Alerts page: recipients, webhook endpoints, thresholds, deliveries."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for

from seat_core import (
    AlertNotFound,
    SeatError,
    add_recipient,
    add_webhook_endpoint,
    alert_settings_of,
    delete_webhook_endpoint,
    owners_of,
    recent_deliveries,
    recipients_of,
    remove_recipient,
    retry_delivery,
    rotate_webhook_secret,
    send_test_webhook,
    set_alert_settings,
    subscribe,
    webhook_endpoints_of,
)
from seat_core.alerts.subscriptions import event_types_of
from seat_core.models import EVENT_TYPES

from ..clock import now
from ..crypto import encrypt
from ..db import read_only, transaction
from ..outbox import new_secret, webhook_policy
from . import bp
from .auth import owner_required

EVENT_NAMES = {
    "usage.threshold": "Seats running low",
    "seat.refused": "Seat refused",
    "seat.refused.digest": "Seat refusals digest",
    "seats.purchased": "Seats purchased",
    "renewal.upcoming": "Renewal in 30 days",
    "contract.expiring": "Contract ends in 30 days",
    "contract.renewed": "Contract renewed",
    "contract.expired": "Contract expired",
    "seats.reclaim_upcoming": "Seats to be reclaimed",
    "sso.certificate_expiring": "SAML certificate expires in 30 days",
    "token.expiring": "SCIM token expires in 30 or 7 days",
    "webhook.test": "Test",
}


def page(
    *,
    status: int = 200,
    error: str | None = None,
    secret: tuple[str, str] | None = None,
    form: dict[str, str] | None = None,
) -> Any:
    """Render the Alerts page; an endpoint's new secret is shown here, this once."""
    with read_only() as session:
        organization_id = g.organization.id
        html = render_template(
            "admin/alerts.html",
            settings=alert_settings_of(session, organization_id),
            owners=owners_of(session, organization_id),
            recipients=recipients_of(session, organization_id),
            endpoints=webhook_endpoints_of(session, organization_id),
            deliveries=recent_deliveries(session, organization_id),
            event_names=EVENT_NAMES,
            event_types=EVENT_TYPES,
            error=error,
            secret=secret,
            form=form or {},
        )
    return html, status, {"Cache-Control": "no-store"}


@bp.get("/<org>/alerts")
@owner_required()
def alerts(org: str) -> Any:
    """Show the alert settings, recipients, webhook endpoints and the last deliveries."""
    return page()


@bp.post("/<org>/alerts/settings")
@owner_required()
def alerts_settings(org: str) -> Any:
    """Save the thresholds and the refusal digest window."""
    # One number field per threshold; an API client may still send them in one field.
    thresholds = ", ".join(v.strip() for v in request.form.getlist("thresholds") if v.strip())
    minutes = request.form.get("digest_minutes", "").strip()
    try:
        if not minutes.isdigit():
            raise SeatError("The digest window must be a whole number of minutes, 0 or more")
        with transaction() as session:
            set_alert_settings(
                session,
                g.organization,
                thresholds=thresholds,
                digest_minutes=int(minutes),
                at=now(),
            )
    except SeatError as error:
        form = {"thresholds": thresholds, "digest_minutes": minutes}
        return page(status=400, error=error.message, form=form)
    flash("Alert settings saved.", "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/recipients")
@owner_required()
def alerts_add_recipient(org: str) -> Any:
    """Add an address that gets the alert emails."""
    email = request.form.get("email", "")
    try:
        with transaction() as session:
            recipient = add_recipient(session, g.organization, email=email, at=now())
    except SeatError as error:
        return page(status=400, error=error.message, form={"email": email})
    flash(f"{recipient.email} will get the alert emails.", "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/recipients/<int:recipient_id>/delete")
@owner_required()
def alerts_remove_recipient(org: str, recipient_id: int) -> Any:
    """Stop sending alert emails to an extra address."""
    try:
        with transaction() as session:
            remove_recipient(session, g.organization, recipient_id)
    except SeatError as error:
        return page(status=404, error=error.message)
    flash("Recipient removed.", "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/webhooks")
@owner_required()
def alerts_add_webhook(org: str) -> Any:
    """Add a webhook endpoint and show its signing secret, once."""
    url = request.form.get("url", "")
    secret = new_secret()
    try:
        with transaction() as session:
            endpoint = add_webhook_endpoint(
                session,
                g.organization,
                url=url,
                secret_encrypted=encrypt(secret),
                at=now(),
                policy=webhook_policy(current_app.config),
            )
            endpoint_url = endpoint.url
    except SeatError as error:
        return page(status=400, error=error.message, form={"url": url})
    return page(status=201, secret=(endpoint_url, secret))


@bp.post("/<org>/alerts/webhooks/<int:endpoint_id>/rotate")
@owner_required()
def alerts_rotate_webhook(org: str, endpoint_id: int) -> Any:
    """Give an endpoint a new signing secret and show it, once."""
    secret = new_secret()
    try:
        with transaction() as session:
            endpoint = rotate_webhook_secret(
                session, g.organization, endpoint_id, secret_encrypted=encrypt(secret), at=now()
            )
            endpoint_url = endpoint.url
    except SeatError as error:
        return page(status=404, error=error.message)
    return page(secret=(endpoint_url, secret))


@bp.post("/<org>/alerts/webhooks/<int:endpoint_id>/test")
@owner_required()
def alerts_test_webhook(org: str, endpoint_id: int) -> Any:
    """Queue a test message to one endpoint."""
    try:
        with transaction() as session:
            send_test_webhook(session, g.organization, endpoint_id, at=now())
    except SeatError as error:
        return page(status=404, error=error.message)
    flash("Test message queued: its delivery shows below within seconds.", "success")
    return redirect(url_for("admin.alerts", org=org) + "#deliveries")


@bp.post("/<org>/alerts/webhooks/<int:endpoint_id>/events")
@owner_required()
def alerts_subscribe_webhook(org: str, endpoint_id: int) -> Any:
    """Choose the event log's types an endpoint gets besides the alerts."""
    types = request.form.getlist("types")
    try:
        with transaction() as session:
            endpoint = subscribe(session, g.organization, endpoint_id, types, at=now())
            chosen = event_types_of(endpoint)
    except AlertNotFound as error:
        return page(status=404, error=error.message)
    except SeatError as error:
        return page(status=400, error=error.message)
    what = ", ".join(chosen) if chosen else "no events, only the alerts"
    flash(f"The endpoint gets {what}.", "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/webhooks/<int:endpoint_id>/delete")
@owner_required()
def alerts_delete_webhook(org: str, endpoint_id: int) -> Any:
    """Delete an endpoint; what was still to be sent to it is given up."""
    try:
        with transaction() as session:
            delete_webhook_endpoint(session, g.organization, endpoint_id, at=now())
    except SeatError as error:
        return page(status=404, error=error.message)
    flash("Webhook endpoint deleted.", "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/deliveries/<int:delivery_id>/retry")
@owner_required()
def alerts_retry_delivery(org: str, delivery_id: int) -> Any:
    """Send a failed delivery again, with the same message id."""
    try:
        with transaction() as session:
            retry_delivery(session, g.organization, delivery_id, at=now())
    except SeatError as error:
        return page(status=404, error=error.message)
    flash("Delivery queued again.", "success")
    return redirect(url_for("admin.alerts", org=org) + "#deliveries")
