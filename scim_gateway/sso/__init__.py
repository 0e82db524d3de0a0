"""Members' sign-in through the organization's OpenID Connect provider, gated by seats."""

from flask import Blueprint

bp = Blueprint("sso", __name__, url_prefix="/sso")

from . import clients, views  # noqa: E402  (registers the registry and the views on bp)

__all__ = ["bp", "clients", "views"]
