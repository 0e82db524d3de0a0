"""Health checks, and the 503 every part of the app gives while the database is away."""

from __future__ import annotations

import logging
import sqlite3

from flask import Flask, Response, jsonify
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from . import metrics
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
        """Tell whether the database answers and accepts writes."""
        try:
            reason = unwritable_reason(database().engine)
        except DBAPIError as error:
            log.warning("database not reachable", exc_info=True)
            metrics.database_error(error, 503)
            return database_unavailable()
        if reason is not None:
            log.warning("database not writable: %s", reason)
            return database_unavailable(reason)
        # How the gateway reaches the database: "direct", or "transaction" (a pooler).
        return jsonify(status="ready", pooler=database().pooler)

    @app.errorhandler(PoolTimeout)
    def pool_exhausted(error: PoolTimeout) -> tuple[Response, int, dict[str, str]]:
        # Every connection of this worker's pool stayed busy for pool_timeout (30 s).
        log.error("database pool exhausted: %s", error)
        metrics.pool_exhausted()
        return database_unavailable("Every database connection is busy; retry later.")

    @app.errorhandler(OperationalError)
    def operational_error(error: OperationalError) -> tuple[Response, int, dict[str, str]]:
        log.error("database unavailable: %s", error.orig)
        metrics.database_error(error, 503)
        return database_unavailable()


def unwritable_reason(engine: Engine) -> str | None:
    """Return why the database cannot take a write now, or None when it can.

    :raises DBAPIError: when the database cannot be reached at all.
    """
    with engine.connect() as connection:
        if connection.dialect.name == "postgresql":
            # A standby, or a server set read-only, answers reads but refuses every write.
            if connection.execute(text("SHOW transaction_read_only")).scalar() == "on":
                return "The PostgreSQL server accepts only reads (transaction_read_only is on)."
            return None
        # SQLite opens a file it may not write read-only and says so only at the first
        # write, so make one (in the write transaction every request takes) and undo it.
        try:
            with connection.begin() as transaction:
                connection.exec_driver_sql("CREATE TABLE readiness_probe (x INTEGER)")
                transaction.rollback()
        except OperationalError as error:
            # The primary result code, without the extended code's upper bits.
            if getattr(error.orig, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_READONLY:
                return f"The SQLite database cannot be written: {error.orig}."
            raise
    return None


def database_unavailable(detail: str | None = None) -> tuple[Response, int, dict[str, str]]:
    """Return the plain 503 for a database that is down or busy; clients retry later."""
    from flask import current_app

    retry = str(current_app.config["RETRY_AFTER_SECONDS"])
    return (
        jsonify(status="unavailable", detail=detail or "The database is unavailable; retry later."),
        503,
        {"Retry-After": retry},
    )
