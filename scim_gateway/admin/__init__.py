"""Owners' pages under /admin: usage, seats, invoices, members, requests, activity, alerts."""

from datetime import timedelta

from flask import Blueprint
from flask.blueprints import BlueprintSetupState

from ..owner_sessions import check_csrf, csrf_token

bp = Blueprint("admin", __name__, url_prefix="/admin")

# Every POST under /admin, the alerts page's forms included, must carry the CSRF token.
bp.before_request(check_csrf)
bp.app_context_processor(lambda: {"csrf_token": csrf_token})


@bp.record_once
def _session_lifetime(state: BlueprintSetupState) -> None:
    # The cookie lasts as long as the server-side expiry check allows, not Flask's 31 days.
    minutes = int(state.app.config["SESSION_LIFETIME_MINUTES"])
    state.app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(minutes=minutes)


from . import (  # noqa: E402  (register their views and filters on bp)
    activity,
    alerts,
    billing,
    errors,
    formatting,
    invitations,
    invoices,
    language,
    members,
    owners,
    policy,
    requests,
    sign_in,
    two_factor,
    usage,
)

errors.init(bp)

__all__ = [
    "activity",
    "alerts",
    "billing",
    "bp",
    "errors",
    "formatting",
    "invitations",
    "invoices",
    "language",
    "members",
    "owners",
    "policy",
    "requests",
    "sign_in",
    "two_factor",
    "usage",
]
