"""Request ids: one per request, on every log line of it and on its response (X-Request-Id).

A well-formed incoming X-Request-Id (a proxy's or a client's) is kept, so that one id follows
a request through every hop; anything else is replaced by a fresh one. The id is held in a
context variable, so a log line written anywhere during the request carries it.
"""

from __future__ import annotations

import itertools
import os
import re
from contextvars import ContextVar

HEADER = "X-Request-Id"
# The WSGI environ key of the incoming header, and the key the chosen id is kept under.
ENVIRON_HEADER = "HTTP_X_REQUEST_ID"
ENVIRON_KEY = "scim_gateway.request_id"
MAX_LENGTH = 128
# Letters, digits and the punctuation of UUIDs, ULIDs and tracing ids: nothing that could
# break a log line, a header or a shell, and nothing that needs quoting in JSON.
_WELL_FORMED = re.compile(rf"[A-Za-z0-9][A-Za-z0-9._:@+=/-]{{0,{MAX_LENGTH - 1}}}")

current_var: ContextVar[str | None] = ContextVar("request_id", default=None)


def choose(incoming: str | None) -> str:
    """Return the incoming id when it is well formed, else a fresh one."""
    if incoming and _WELL_FORMED.fullmatch(incoming):
        return incoming
    return new()


class _Sequence:
    """Ids of this process: 16 random hex digits drawn once per process, then a count."""

    def __init__(self) -> None:
        self.pid = -1
        self.prefix = ""
        self.count = itertools.count()


_sequence = _Sequence()


def new() -> str:
    """Return a fresh id of 32 hex digits, unique across processes (a random prefix each)."""
    # Cheaper than 16 random bytes a request; drawn again after a fork, by the pid.
    pid = os.getpid()
    if pid != _sequence.pid:
        _sequence.pid, _sequence.prefix = pid, os.urandom(8).hex()
        _sequence.count = itertools.count()
    return f"{_sequence.prefix}{next(_sequence.count):016x}"


def current() -> str | None:
    """Return the id of the request being served, or None outside a request."""
    return current_var.get()
