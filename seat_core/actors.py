"""Who acts: named once by each entry point, carried by every event the core records.

A context variable, so that the seat core needs no web framework to know it: a SCIM
token, an owner's page or API token, a member signing in, the command line and the worker
each say who acts before calling in (docs/events.md, "Actors").
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """Who acts: a SCIM or API token, an owner, a member signing in, or the system."""

    type: str
    id: str | None = None
    label: str | None = None


SYSTEM = Actor("system")

_actor: ContextVar[Actor] = ContextVar("seat_core_actor", default=SYSTEM)


def act_as(actor: Actor) -> None:
    """Make actor the one every event recorded from now on in this context names."""
    _actor.set(actor)


def current_actor() -> Actor:
    """Return who acts in this context (the system unless an entry point said otherwise)."""
    return _actor.get()


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Name actor in the events recorded inside the block, then restore who acted before."""
    token = _actor.set(actor)
    try:
        yield
    finally:
        _actor.reset(token)
