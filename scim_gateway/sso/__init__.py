"""Sign-in through the organization's OpenID Connect provider or SAML IdP, gated by seats."""

from flask import Blueprint

bp = Blueprint("sso", __name__, url_prefix="/sso")

from . import clients, saml_views, views  # noqa: E402  (registers the registry and the views)

__all__ = ["bp", "clients", "saml_views", "views"]
