"""What each alert says: email subject and bodies, and the webhook's data."""

from __future__ import annotations

from typing import Any

from flask import render_template

from .claims import Claim
from .content import Content
from .texts import BUILDERS, delivery_test


def content_of(item: Claim, public_url: str) -> Content:
    """Return what the alert of a claimed delivery says, with a link where owners act."""
    # An event without words of its own reads as the test alert, as webhook.test does.
    build = BUILDERS.get(item.event, delivery_test)
    admin = f"{public_url}/admin/{item.organization_slug}"
    return build(item.payload, item.organization_name, admin)


def render_email(content: Content) -> tuple[str, str]:
    """Return the plain-text and HTML bodies of an alert email."""
    text = render_template("email/alert.txt", c=content)
    html = render_template("email/alert.html", c=content)
    return text, html


def event_data(item: Claim) -> dict[str, Any]:
    """Return the webhook's data for an event of the log: the event and its organization."""
    return {
        **item.payload,
        "organization": {"slug": item.organization_slug, "name": item.organization_name},
    }


def webhook_data(item: Claim, content: Content) -> dict[str, Any]:
    """Return the webhook's data: the event's fields, the organization and the summary."""
    return {
        **item.payload,
        "organization": {"slug": item.organization_slug, "name": item.organization_name},
        "summary": content.subject,
        "url": content.action_url,
    }
