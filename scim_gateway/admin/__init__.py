"""Owners' pages under /admin: usage, seats, invoices, members, requests, alerts."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")
