"""Owners' pages under /admin: usage, seats, invoices, members, requests, alerts."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from . import alerts  # noqa: E402  (registers its views on bp)

__all__ = ["alerts", "bp"]
