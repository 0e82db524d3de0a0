"""SCIM 2.0 service provider under /scim/v2 (RFC 7643, RFC 7644)."""

from flask import Blueprint

bp = Blueprint("scim", __name__, url_prefix="/scim/v2")
