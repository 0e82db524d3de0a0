"""The sign-in hook for products that run their own SSO: the same seat gate, over JSON."""

from __future__ import annotations

from typing import Any

from flask import jsonify
from flask_babel import gettext as _

from seat_core import Identity, Policy, admit
from seat_core.models import Member, SsoConfig

from ..clock import now
from ..db import retried_on_duplicate, transaction
from ..jsonbody import request_json
from . import bp
from .auth import authenticate, fail

# Longest values the member table can hold.
LIMITS = {"issuer": 512, "sub": 256, "email": 320, "name": 256}


@bp.post("/orgs/<org>/sign-ins")
def sign_in(org: str) -> Any:
    """Let a person in through the seat gate: 200 with the member and seat, or 403 and why.

    The body is ``{"issuer", "sub", "email"}``, optionally ``"email_verified"`` (default
    true: the calling product vouches for the address) and ``"name"``. The organization's
    SSO configuration, when it has one, decides JIT and the email domains.
    """
    at = now()

    def let_in() -> dict[str, Any]:
        # A refusal leaves the transaction and is answered by api.errors, which remembers it.
        with transaction() as session:
            organization, _ = authenticate(session, org)
            identity = _identity()
            policy = Policy.of(session.get(SsoConfig, organization.id))
            admission = admit(session, organization, identity, policy, at=at)
            return {
                "member": member_json(admission.member),
                "seat": {"held": True, "taken_now": admission.seat_taken},
                "created": admission.created,
            }

    # The same person signing in twice at once: one creates the member, the other finds it.
    return jsonify(retried_on_duplicate(let_in)), 200


def _identity() -> Identity:
    """Return the identity in the request body, or fail with 400."""
    body = request_json()
    if not isinstance(body, dict):
        fail(
            400,
            "Bad Request",
            _('Send a JSON object like {"issuer": ..., "sub": ..., "email": ...}.'),
        )
    unknown = sorted(set(body) - {*LIMITS, "email_verified"})
    if unknown:
        fail(
            400,
            "Bad Request",
            _(
                "Unknown field %(field)s: the body takes issuer, sub, email, "
                "email_verified and name.",
                field=repr(unknown[0]),
            ),
        )
    values: dict[str, str | None] = {}
    for name, limit in LIMITS.items():
        value = body.get(name)
        if value is not None and (not isinstance(value, str) or not value.strip()):
            fail(400, "Bad Request", _("%(name)s must be a non-empty string.", name=repr(name)))
        if value is not None and len(value) > limit:
            fail(
                400,
                "Bad Request",
                _("%(name)s is longer than %(limit)d characters.", name=repr(name), limit=limit),
            )
        values[name] = value
    for name in ("issuer", "sub"):
        if values[name] is None:
            fail(400, "Bad Request", _("%(name)s is required.", name=repr(name)))
    verified = body.get("email_verified", True)
    if not isinstance(verified, bool):
        fail(400, "Bad Request", _("'email_verified' must be true or false."))
    return Identity(
        issuer=str(values["issuer"]).rstrip("/"),
        subject=str(values["sub"]),
        email=values["email"],
        email_verified=verified,
        name=values["name"],
    )


def member_json(member: Member) -> dict[str, Any]:
    """Describe a member for the API."""
    return {
        "id": member.id,
        "user_name": member.user_name,
        "display_name": member.display_name,
        "email": member.email,
        "active": member.active,
        "source": member.source,
        "sso_issuer": member.sso_issuer,
        "sso_subject": member.sso_subject,
        "last_sign_in_at": member.last_sign_in_at.isoformat() if member.last_sign_in_at else None,
    }
