"""The mails that carry an owner's link: an invitation, or a password reset."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from seat_core.models import new_id

from ..crypto import decrypt
from ..outbox.claims import Claim
from ..outbox.content import Content, instant_text
from ..outbox.mail import Mailer, compose
from ..outbox.messages import render_email
from ..outbox.options import Options
from .people import LINK_DAYS

EVENTS = ("owner.invitation", "owner.password_reset")
ROLE_NAMES = {"primary_owner": _l("Primary Owner"), "owner": _l("Owner")}


def link_content(item: Claim) -> Content:
    """Return what the mail says, in the language it is sent in (the organization's).

    The link is unsealed only now, for sending.
    """
    payload = item.payload
    org = item.organization_name
    link = decrypt(payload["sealed_link"])
    until = instant_text(datetime.fromisoformat(payload["expires_at"]))
    if item.event == "owner.invitation":
        role = str(ROLE_NAMES.get(payload.get("role", ""), ROLE_NAMES["owner"]))
        return Content(
            subject=_("[%(org)s] You are invited as %(role)s", org=org, role=role),
            headline=_("You are invited to manage %(org)s's seats", org=org),
            paragraphs=[
                _(
                    "You were made %(role)s of %(org)s on SCIM Seat Gateway. Set your "
                    "password with the link below; it then signs you in.",
                    role=role,
                    org=org,
                ),
                _(
                    "The link works once, until %(until)s. If you did not expect this, ignore it.",
                    until=until,
                ),
            ],
            action_label=_("Set your password"),
            action_url=link,
        )
    return Content(
        subject=_("[%(org)s] Set a new password", org=org),
        headline=_("Set a new password"),
        paragraphs=[
            _(
                "Someone asked to reset the password of %(email)s for %(org)s.",
                email=payload["email"],
                org=org,
            ),
            _(
                "The link works once, until %(until)s. If it was not you, ignore this mail: "
                "your password stays as it is.",
                until=until,
            ),
        ],
        action_label=_("Set a new password"),
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
