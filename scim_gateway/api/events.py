"""The event log over JSON: oldest first, paged by a cursor that never skips or repeats."""

from __future__ import annotations

from typing import Any

from flask import jsonify, request
from flask_babel import gettext as _

from seat_core.events import MAX_PAGE, START, InvalidCursor, as_dict, parse_cursor, read_after
from seat_core.models import EVENT_TYPES

from ..db import read_only
from . import bp
from .auth import authenticate, fail, only_params, require_owner
from .lists import whole_number

DEFAULT_LIMIT = 100


@bp.get("/orgs/<org>/events")
def list_events(org: str) -> Any:
    """List the organization's events after a cursor, oldest first."""
    only_params("after", "limit", "type")
    try:
        after = parse_cursor(request.args["after"]) if "after" in request.args else START
    except InvalidCursor as error:
        # Not the blueprint's answer: a bad query parameter is a 400 that names it.
        fail(
            400,
            "Bad Request",
            _("after: %(error)s; send a next_cursor this API returned.", error=str(error)),
        )
    limit = whole_number("limit", request.args.get("limit", str(DEFAULT_LIMIT)))
    if not 1 <= limit <= MAX_PAGE:
        fail(400, "Bad Request", _("limit must be between 1 and %(most)d.", most=MAX_PAGE))
    types = request.args.getlist("type")
    unknown = sorted(set(types) - set(EVENT_TYPES))
    if unknown:
        fail(400, "Bad Request", _("Unknown event type %(type)s.", type=repr(unknown[0][:60])))
    with read_only() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token)
        page = read_after(session, organization.id, after=after, limit=limit, types=types)
        data = [as_dict(event) for event in page.events]
    return jsonify({"data": data, "next_cursor": page.next_cursor.text()})
