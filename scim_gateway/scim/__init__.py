"""SCIM 2.0 service provider under /scim/v2 (RFC 7643, RFC 7644)."""

from flask import Blueprint

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")

# The modules register their routes and handlers on bp.
from . import auth, discovery, errors, groups, search, users  # noqa: E402

errors.init(bp)

__all__ = ["auth", "bp", "discovery", "errors", "groups", "search", "users"]
