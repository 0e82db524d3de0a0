"""The mails that carry an owner's link: an invitation, or a password reset."""

from __future__ import annotations

from datetime import datetime

from ..crypto import decrypt
from ..outbox.claims import Claim
from ..outbox.messages import Content

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
