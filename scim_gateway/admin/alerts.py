"""The owners' Alerts page: recipients, webhook endpoints, thresholds, deliveries."""

from __future__ import annotations

from typing import Any

from flask import current_app, flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from seat_core import (
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
from .errors import FormError, answered_by, message_of

EVENT_NAMES = {
    "usage.threshold": _l("Seats running low"),
    "seat.refused": _l("Seat refused"),
    "seat.refused.digest": _l("Seat refusals digest"),
    "seats.purchased": _l("Seats purchased"),
    "renewal.upcoming": _l("Renewal in 30 days"),
    "contract.expiring": _l("Contract ends in 30 days"),
    "contract.renewed": _l("Contract renewed"),
    "contract.expired": _l("Contract expired"),
    "seats.reclaim_upcoming": _l("Seats to be reclaimed"),
    "sso.certificate_expiring": _l("SAML certificate expires in 30 days"),
    "token.expiring": _l("A SCIM or API token expires in 30 or 7 days"),
    "webhook.test": _l("Test"),
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


def typed() -> dict[str, str]:
    """Return what the owner typed into the Alerts page's forms, to show it again."""
    form = {name: request.form.get(name, "") for name in ("email", "url") if name in request.form}
    if "digest_minutes" in request.form:
        form["thresholds"] = thresholds_typed()
        form["digest_minutes"] = request.form.get("digest_minutes", "").strip()
    return form


def shown_again(error: Exception, status: int) -> Any:
    """Show the Alerts page again with the error and what was typed."""
    return page(status=status, error=message_of(error), form=typed())


def thresholds_typed() -> str:
    """Return the thresholds as one field: one number field each, or an API client's one."""
    return ", ".join(v.strip() for v in request.form.getlist("thresholds") if v.strip())


def digest_minutes(text: str) -> int:
    """Read the refusal digest window from its form field.

    :raises FormError: unless it is a whole number of minutes.
    """
    if not text.strip().isdigit():
        raise FormError(_("The digest window must be a whole number of minutes, 0 or more"))
    return int(text.strip())


@bp.get("/<org>/alerts")
@owner_required()
def alerts(org: str) -> Any:
    """Show the alert settings, recipients, webhook endpoints and the last deliveries."""
    return page()


@bp.post("/<org>/alerts/settings")
@owner_required()
@answered_by(shown_again)
def alerts_settings(org: str) -> Any:
    """Save the thresholds and the refusal digest window."""
    minutes = digest_minutes(request.form.get("digest_minutes", ""))
    with transaction() as session:
        set_alert_settings(
            session, g.organization, thresholds=thresholds_typed(), digest_minutes=minutes, at=now()
        )
    flash(_("Alert settings saved."), "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/recipients")
@owner_required()
@answered_by(shown_again)
def alerts_add_recipient(org: str) -> Any:
    """Add an address that gets the alert emails."""
    with transaction() as session:
        email = add_recipient(
            session, g.organization, email=request.form.get("email", ""), at=now()
        ).email
    flash(_("%(email)s will get the alert emails.", email=email), "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/recipients/<int:recipient_id>/delete")
@owner_required()
@answered_by(shown_again)
def alerts_remove_recipient(org: str, recipient_id: int) -> Any:
    """Stop sending alert emails to an extra address."""
    with transaction() as session:
        remove_recipient(session, g.organization, recipient_id)
    flash(_("Recipient removed."), "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/webhooks")
@owner_required()
@answered_by(shown_again)
def alerts_add_webhook(org: str) -> Any:
    """Add a webhook endpoint and show its signing secret, once."""
    secret = new_secret()
    with transaction() as session:
        endpoint = add_webhook_endpoint(
            session,
            g.organization,
            url=request.form.get("url", ""),
            secret_encrypted=encrypt(secret),
            at=now(),
            policy=webhook_policy(current_app.config),
        )
        endpoint_url = endpoint.url
    return page(status=201, secret=(endpoint_url, secret))


@bp.post("/<org>/alerts/webhooks/<int:endpoint_id>/rotate")
@owner_required()
@answered_by(shown_again)
def alerts_rotate_webhook(org: str, endpoint_id: int) -> Any:
    """Give an endpoint a new signing secret and show it, once."""
    secret = new_secret()
    with transaction() as session:
        endpoint = rotate_webhook_secret(
            session, g.organization, endpoint_id, secret_encrypted=encrypt(secret), at=now()
        )
        endpoint_url = endpoint.url
    return page(secret=(endpoint_url, secret))


@bp.post("/<org>/alerts/webhooks/<int:endpoint_id>/test")
@owner_required()
@answered_by(shown_again)
def alerts_test_webhook(org: str, endpoint_id: int) -> Any:
    """Queue a test message to one endpoint."""
    with transaction() as session:
        send_test_webhook(session, g.organization, endpoint_id, at=now())
    flash(_("Test message queued: its delivery shows below within seconds."), "success")
    return redirect(url_for("admin.alerts", org=org) + "#deliveries")


@bp.post("/<org>/alerts/webhooks/<int:endpoint_id>/events")
@owner_required()
@answered_by(shown_again)
def alerts_subscribe_webhook(org: str, endpoint_id: int) -> Any:
    """Choose the event log's types an endpoint gets besides the alerts."""
    with transaction() as session:
        endpoint = subscribe(
            session, g.organization, endpoint_id, request.form.getlist("types"), at=now()
        )
        chosen = event_types_of(endpoint)
    if chosen:
        flash(_("The endpoint gets %(types)s.", types=", ".join(chosen)), "success")
    else:
        flash(_("The endpoint gets no events, only the alerts."), "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/webhooks/<int:endpoint_id>/delete")
@owner_required()
@answered_by(shown_again)
def alerts_delete_webhook(org: str, endpoint_id: int) -> Any:
    """Delete an endpoint; what was still to be sent to it is given up."""
    with transaction() as session:
        delete_webhook_endpoint(session, g.organization, endpoint_id, at=now())
    flash(_("Webhook endpoint deleted."), "success")
    return redirect(url_for("admin.alerts", org=org))


@bp.post("/<org>/alerts/deliveries/<int:delivery_id>/retry")
@owner_required()
@answered_by(shown_again)
def alerts_retry_delivery(org: str, delivery_id: int) -> Any:
    """Send a failed delivery again, with the same message id."""
    with transaction() as session:
        retry_delivery(session, g.organization, delivery_id, at=now())
    flash(_("Delivery queued again."), "success")
    return redirect(url_for("admin.alerts", org=org) + "#deliveries")
