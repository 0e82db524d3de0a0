"""Health checks, and the 503 every part of the app gives while the database is away."""

from __future__ import annotations

import logging

from flask import Flask, Response, jsonify
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError, OperationalError

from .db import database

log = logging.getLogger("scim_gateway.health")


def init_app(app: Flask) -> None:
    """Add /healthz and /readyz, and answer 503 when the database cannot be reached."""

    @app.get("/healthz")
    def healthz() -> Response:
        """Tell that the process is up."""
        return jsonify(status="ok")

    @app.get("/readyz")
    def readyz() -> Response | tuple[Response, int, dict[str, str]]:
        """Tell whether the database answers."""
        try:
            with database().engine.connect() as connection:
                connection.execute(text("SELECT 1"))
        except DBAPIError:
            log.warning("database not reachable", exc_info=True)
            return database_unavailable()
        return jsonify(status="ready")

    @app.errorhandler(OperationalError)
    def operational_error(error: OperationalError) -> tuple[Response, int, dict[str, str]]:
        log.error("database unavailable: %s", error.orig)
        return database_unavailable()


def database_unavailable() -> tuple[Response, int, dict[str, str]]:
    """Return the plain 503 for a database that is down or busy; clients retry later."""
    from flask import current_app

    retry = str(current_app.config["RETRY_AFTER_SECONDS"])
    return (
        jsonify(status="unavailable", detail="The database is unavailable; retry later."),
        503,
        {"Retry-After": retry},
    )
