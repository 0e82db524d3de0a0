"""Owners' and products' JSON API under /api/v1."""

from flask import Blueprint

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import errors, events, lists, openapi, policy, seats, sign_ins  # noqa: E402  (register their views on bp)

errors.init(bp)

__all__ = ["bp", "errors", "events", "lists", "openapi", "policy", "seats", "sign_ins"]
