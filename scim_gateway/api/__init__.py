"""Owners' and products' JSON API under /api/v1."""

from flask import Blueprint

from ..token_use import record_noted_use

bp = Blueprint("api", __name__, url_prefix="/api/v1")

from . import errors, events, lists, openapi, policy, seats, sign_ins, tokens  # noqa: E402  (register their views on bp)

errors.init(bp)
# The last use of the request's token, written once its transaction has ended.
bp.after_request(record_noted_use)

__all__ = ["bp", "errors", "events", "lists", "openapi", "policy", "seats", "sign_ins", "tokens"]
