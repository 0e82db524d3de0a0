"""The organization's bearer tokens over JSON: state, expiry and last use, never secrets."""

from __future__ import annotations

from typing import Any

from flask import jsonify

from ..clock import now
from ..db import read_only
from ..tokens import KINDS, tokens_of
from . import bp
from .auth import authenticate, only_params, require_owner


@bp.get("/orgs/<org>/tokens")
def list_tokens(org: str) -> Any:
    """List the organization's SCIM and API tokens, oldest first (owners only)."""
    only_params()
    with read_only() as session:
        organization, token = authenticate(session, org)
        require_owner(session, token)
        tokens = tokens_of(session, organization, at=now(), kinds=KINDS["all"])
    return jsonify({"tokens": tokens})
