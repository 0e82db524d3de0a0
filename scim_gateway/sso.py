"""Members' sign-in through the organization's OpenID Connect provider, gated by seats."""

from flask import Blueprint

bp = Blueprint("sso", __name__, url_prefix="/sso")
