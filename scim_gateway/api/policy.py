"""The seat policy over JSON: licensed groups, reclamation and exempt groups."""

from __future__ import annotations

from typing import Any

from flask import abort, jsonify, make_response
from flask_babel import gettext as _

from seat_core import ReleasesUnconfirmed, policy_of, set_policy

from .. import error_texts
from ..clock import now
from ..db import read_only, transaction
from ..jsonbody import request_json
from . import bp
from .auth import authenticate, fail, only_params, problem, require_owner

FIELDS = ("licensed_groups", "reclaim_after_days", "exempt_groups")
# Optional: saying yes to the seat releases a change of licensed groups makes.
CONFIRM = "confirm_releases"


def policy_body() -> dict[str, Any]:
    """Read the whole policy from the JSON body, refusing anything else with a clear problem."""
    body = request_json()
    if not isinstance(body, dict):
        fail(
            400,
            "Bad Request",
            _(
                'Send a JSON object like {"licensed_groups": ["Engineering"], '
                '"reclaim_after_days": 60, "exempt_groups": []}.'
            ),
        )
    unknown = sorted(set(body) - {*FIELDS, CONFIRM})
    if unknown:
        fail(400, "Bad Request", _("Unknown fields: %(fields)s.", fields=", ".join(unknown)))
    missing = [name for name in FIELDS if name not in body]
    if missing:
        fail(
            422,
            "Unprocessable Content",
            _(
                "A PUT replaces the whole policy: send %(fields)s too ([] or null for none).",
                fields=", ".join(missing),
            ),
        )
    if not isinstance(body.get(CONFIRM, False), bool):
        fail(422, "Unprocessable Content", _("%(name)s must be true or false.", name=CONFIRM))
    days = body["reclaim_after_days"]
    if isinstance(days, float) and days.is_integer() and abs(days) < 2**53:
        body["reclaim_after_days"] = int(days)  # JSON Schema counts 60.0 as the integer 60
    return body


@bp.get("/orgs/<org>/seat-policy")
def get_seat_policy(org: str) -> Any:
    """Return the seat policy: licensed groups, reclamation days and exempt groups."""
    only_params()
    with read_only() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token)
        return jsonify(policy_of(session, organization.id).as_json())


@bp.put("/orgs/<org>/seat-policy")
def put_seat_policy(org: str) -> Any:
    """Replace the seat policy (Primary Owner); releasing seats needs confirm_releases."""
    only_params()
    with transaction() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token, primary=True)
        body = policy_body()
        confirm = body.pop(CONFIRM, False)
        try:
            view, _releases = set_policy(
                session, organization.id, at=now(), confirm_releases=confirm, **body
            )
        except ReleasesUnconfirmed as error:
            # Not the blueprint's answer: the problem lists the releases and how to confirm.
            detail = _(
                '%(releases)s Send "%(name)s": true to release them.',
                releases=error_texts.releases(error.releases),
                name=CONFIRM,
            )
            abort(make_response(problem(409, "Conflict", detail, **error.releases.as_json())))
        return jsonify(view.as_json())
