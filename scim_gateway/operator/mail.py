"""The mails that carry an owner's link: an invitation, or a password reset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from seat_core.models import new_id

from ..crypto import decrypt
from ..outbox.claims import Claim
from ..outbox.content import Content
from ..outbox.mail import Mailer, compose
from ..outbox.messages import render_email
from ..outbox.options import Options
from .people import LINK_DAYS

EVENTS = ("owner.invitation", "owner.password_reset")
ROLE_NAMES = {"primary_owner": "Primary Owner", "owner": "Owner"}


def link_content(item: Claim) -> Content:
    """Return what the mail says, with the link unsealed only now, for sending."""
    payload = item.payload
    org = item.organization_name
    link = decrypt(payload["sealed_link"])
    until = datetime.fromisoformat(payload["expires_at"]).strftime("%Y-%m-%d %H:%M UTC")
    if item.event == "owner.invitation":
        role = ROLE_NAMES.get(payload.get("role", ""), "Owner")
        return Content(
            subject=f"[{org}] You are invited as {role}",
            headline=f"You are invited to manage {org}'s seats",
            paragraphs=[
                f"You were made {role} of {org} on SCIM Seat Gateway. Set your password "
                "with the link below; it then signs you in.",
                f"The link works once, until {until}. If you did not expect this, ignore it.",
            ],
            action_label="Set your password",
            action_url=link,
        )
    return Content(
        subject=f"[{org}] Set a new password",
        headline="Set a new password",
        paragraphs=[
            f"Someone asked to reset the password of {payload['email']} for {org}.",
            f"The link works once, until {until}. If it was not you, ignore this mail: "
            "your password stays as it is.",
        ],
        action_label="Set a new password",
        action_url=link,
    )


def send_operator_invitation(config: Any, *, email: str, link: str, at: datetime) -> None:
    """Mail an operator their invitation now, over SMTP (operators belong to no outbox).

    :raises MailFailed: when the SMTP server does not take it.
    """
    options = Options.from_config(config)
    content = Content(
        subject="You are invited to the SCIM Seat Gateway operator console",
        headline="Set up your operator sign-in",
        paragraphs=[
            "Set your password and add the console to your authenticator app (it asks for "
            "a six-digit code at every sign-in) with the link below.",
            f"The link works once, for {LINK_DAYS} days.",
        ],
        action_label="Set up your sign-in",
        action_url=link,
    )
    text, html = render_email(content)
    message = compose(
        options, to=email, subject=content.subject, text=text, html=html,
        message_id=new_id(), at=at, event="operator.invitation",
    )  # fmt: skip
    mailer = Mailer(options)
    try:
        mailer.send(message, email)
    finally:
        mailer.close()
