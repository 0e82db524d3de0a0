"""The Activity page: the organization's event log for its owners, filtered, paged, as CSV."""

from __future__ import annotations

import csv
import io
import json
from datetime import date
from typing import Any

from flask import Response, g, render_template, request, url_for
from flask_babel import gettext as _

from seat_core.events import Filters, search_events
from seat_core.models import EVENT_TYPES, MAX_ID

from ..db import read_only
from . import bp
from .auth import owner_required
from .formatting import csv_cell

PAGE_SIZE = 50
# A CSV export holds at most this many events, newest first; narrow the filters for more.
MAX_EXPORT = 50_000
CSV_COLUMNS = ["id", "occurred_at", "type", "actor_type", "actor_id", "actor", "subject", "data"]


class BadFilter(ValueError):
    """A filter the page cannot read; the message says which."""


def _filters() -> Filters:
    """Read the filters from the query string.

    :raises BadFilter: for an unknown type or a date that is not YYYY-MM-DD.
    """
    kind = request.args.get("type", "")
    if kind and kind not in EVENT_TYPES:
        raise BadFilter(_("%(type)s is not an event type.", type=repr(kind[:60])))
    days = []
    for name in ("since", "until"):
        value = request.args.get(name, "")
        try:
            days.append(date.fromisoformat(value) if value else None)
        except ValueError:
            raise BadFilter(
                _("%(value)s is not a date like 2025-03-01.", value=repr(value[:40]))
            ) from None
    return Filters(
        types=(kind,) if kind else (),
        actor=request.args.get("actor", "").strip()[:320],
        since=days[0],
        until=days[1],
    )


def _shown(filters: Filters) -> dict[str, str]:
    """Return the filters as query parameters, for links that keep them."""
    shown = {
        "type": filters.types[0] if filters.types else "",
        "actor": filters.actor,
        "since": filters.since.isoformat() if filters.since else "",
        "until": filters.until.isoformat() if filters.until else "",
    }
    return {name: value for name, value in shown.items() if value}


@bp.get("/<org>/activity")
@owner_required()
def activity(org: str) -> Any:
    """List the organization's events, newest first, by type, actor and date."""
    try:
        filters = _filters()
    except BadFilter as error:
        page = render_template(
            "admin/activity.html", events=[], error=str(error), types=EVENT_TYPES, shown={}
        )
        return page, 400
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        before = None  # not an id, or past every id: start from the newest
    with read_only() as session:
        rows = search_events(
            session, g.organization.id, filters, before=before, limit=PAGE_SIZE + 1
        )
    older = None
    if len(rows) > PAGE_SIZE:
        rows = rows[:PAGE_SIZE]
        older = url_for("admin.activity", org=org, before=rows[-1].id, **_shown(filters))
    return render_template(
        "admin/activity.html",
        events=rows,
        older=older,
        types=EVENT_TYPES,
        shown=_shown(filters),
        csv_url=url_for("admin.activity_csv", org=org, **_shown(filters)),
        error=None,
    )


@bp.get("/<org>/activity.csv")
@owner_required()
def activity_csv(org: str) -> Any:
    """Download the filtered events as CSV, newest first, formula-escaped."""
    try:
        filters = _filters()
    except BadFilter as error:
        return Response(f"{error}\n", status=400, mimetype="text/plain")
    with read_only() as session:
        rows = search_events(session, g.organization.id, filters, limit=MAX_EXPORT)
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CSV_COLUMNS)
    for event in rows:
        data = json.dumps(event.data, sort_keys=True, ensure_ascii=False)
        writer.writerow(
            [
                event.id,
                event.occurred_at.isoformat().replace("+00:00", "Z"),
                event.type,
                event.actor_type,
                csv_cell(event.actor_id or ""),
                csv_cell(event.actor_label or ""),
                csv_cell(event.subject or ""),
                csv_cell(data),
            ]
        )
    return Response(
        out.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{org}-activity.csv"'},
    )
