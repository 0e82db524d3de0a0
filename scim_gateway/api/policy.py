"""The seat policy over JSON: licensed groups, reclamation and exempt groups."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from seat_core import InvalidPolicy, policy_of, set_policy

from ..clock import now
from ..db import read_only, transaction
from ..jsonbody import request_json
from . import bp
from .auth import authenticate, fail, only_params, require_owner

FIELDS = ("licensed_groups", "reclaim_after_days", "exempt_groups")


def policy_body() -> dict[str, Any]:
    """Read the whole policy from the JSON body, refusing anything else with a clear problem."""
    body = request_json()
    if not isinstance(body, dict):
        fail(
            400,
            "Bad Request",
            'Send a JSON object like {"licensed_groups": ["Engineering"], '
            '"reclaim_after_days": 60, "exempt_groups": []}.',
        )
    unknown = sorted(set(body) - set(FIELDS))
    if unknown:
        fail(400, "Bad Request", f"Unknown fields: {', '.join(unknown)}.")
    missing = [name for name in FIELDS if name not in body]
    if missing:
        fail(
            422,
            "Unprocessable Content",
            f"A PUT replaces the whole policy: send {', '.join(missing)} too "
            "([] or null for none).",
        )
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
    """Replace the seat policy (Primary Owner); licensed groups apply to seats at once."""
    only_params()
    with transaction() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token, primary=True)
        body = policy_body()
        try:
            view, _ = set_policy(session, organization.id, at=now(), **body)
        except InvalidPolicy as error:
            fail(422, "Unprocessable Content", str(error))
        return jsonify(view.as_json())
