"""JSON logs on stderr, one object a line, each written during a request with its id."""

from __future__ import annotations

import json
import logging
import sys
from datetime import UTC, datetime

from flask import Flask

from . import request_id


class JsonFormatter(logging.Formatter):
    """Format a record as one line of JSON."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(),
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
        }
        current_id = request_id.current()
        if current_id is not None:
            entry["request_id"] = current_id
        for key in ("organization", "event", "status", "path", "method"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return json.dumps(entry, default=str)


def init_app(app: Flask) -> None:
    """Send the app's logs to stderr as JSON."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter())
    logger = logging.getLogger("scim_gateway")
    logger.handlers[:] = [handler]
    logger.setLevel(app.config["LOG_LEVEL"])
    logger.propagate = False
    app.logger.handlers[:] = [handler]
    app.logger.setLevel(app.config["LOG_LEVEL"])
    # pysaml2 reports each refused SAML Response with tracebacks and xmlsec1's output, as
    # plain text; the gateway logs every refusal itself, in one line that says why.
    saml2 = logging.getLogger("saml2")
    saml2.handlers[:] = [logging.NullHandler()]
    saml2.propagate = False
