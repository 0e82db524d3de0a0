"""The last use of a request's bearer token: noted by authentication, written once answered.

The rule (at most once a minute per token) is seat_core.credentials'; this is its place in a
request, for any token table with ``id`` and ``last_used_at`` columns (docs/tokens.md).
"""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from flask import Response, current_app, g
from sqlalchemy.exc import SQLAlchemyError

from seat_core import record_use
from seat_core.credentials import USE_RECORD_INTERVAL

from .clock import now
from .db import transaction

log = logging.getLogger("scim_gateway.tokens")
# Tokens a process remembers the last write of; past it, it forgets them all at once.
REMEMBERED = 4096


class UseRecorder:
    """The tokens whose last use this process wrote, and when: a busy token is skipped.

    The database's own condition (seat_core.credentials.record_use) keeps every process
    to one write a minute; this keeps a process from even asking more often.
    """

    def __init__(self, *, size: int = REMEMBERED) -> None:
        self.size = size
        self._written: dict[tuple[str, int], datetime] = {}
        self._lock = threading.Lock()

    def due(self, table: str, token_id: int, at: datetime) -> bool:
        """Say whether the token's use should be written now, and remember it if so."""
        key = (table, token_id)
        with self._lock:
            last = self._written.get(key)
            if last is not None and at - last < USE_RECORD_INTERVAL:
                return False
            if len(self._written) >= self.size:
                self._written.clear()
            self._written[key] = at
        return True


def note_use(table: Any, token_id: int) -> None:
    """Note that the request was made with this token, to be recorded once it is answered."""
    g.token_use = (table, token_id)


def record_noted_use(response: Response) -> Response:
    """Write the last use of the request's token, at most once a minute (after_request).

    Written in a transaction of its own once the view's has ended; a failure is logged,
    never answered: the request already did what it was asked.
    """
    noted = g.pop("token_use", None)
    if noted is None:
        return response
    table, token_id = noted
    recorder: UseRecorder | None = current_app.extensions.get("token_uses")
    if recorder is None:
        recorder = current_app.extensions["token_uses"] = UseRecorder()
    at = now()
    if not recorder.due(table.__tablename__, token_id, at):
        return response
    try:
        with transaction() as session:
            record_use(session, table, token_id, at=at)
    except SQLAlchemyError as error:
        log.warning(
            "last use of token %s not recorded: %s",
            token_id,
            type(error).__name__,
            extra={"event": "token.use_not_recorded"},
        )
    return response
