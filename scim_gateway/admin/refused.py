"""Refused seats on the owners' pages: told in a flash, back on the page acted from."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, request, url_for

from seat_core import Refusal

from . import bp
from .members import back


@bp.errorhandler(Refusal)
def refused(refusal: Refusal) -> Any:
    """Tell the owner why no seat could be taken; an owner's refusal is no seat request."""
    flash(refusal.message, "error")
    org = str((request.view_args or {}).get("org", ""))
    if request.endpoint == "admin.admit":
        return redirect(url_for("admin.seat_requests", org=org))
    return redirect(back(org))
