"""Seat hooks: what follows a seat change in its transaction, registered from above the ledger."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection
from sqlalchemy.orm import Session


@dataclass(frozen=True)
class SeatChange:
    """A seat taken or released, with its contract's counts right after it."""

    organization_id: int
    contract_id: int
    seats_used: int
    seats_purchased: int
    term_index: int
    at: datetime
    rising: bool
    # The usage thresholds as the take read them with the contract (None: the defaults),
    # when thresholds_read is set; a release reads none, and the hooks read them.
    thresholds: str | None = None
    thresholds_read: bool = False


Hook = Callable[[Session, SeatChange], None]
Wanted = Callable[[SeatChange], bool]

_HOOKS: list[tuple[Wanted, Hook]] = []


def _always(change: SeatChange) -> bool:
    return True


def after_seat_change(hook: Hook, *, wanted: Wanted = _always) -> None:
    """Run hook in the transaction of every seat change that wanted says it needs."""
    if all(registered is not hook for _, registered in _HOOKS):
        _HOOKS.append((wanted, hook))


def _due(change: SeatChange) -> list[Hook]:
    """Return the hooks that want the change."""
    return [hook for wants, hook in _HOOKS if wants(change)]


def wanted(change: SeatChange) -> bool:
    """Tell whether any hook wants the change."""
    return bool(_due(change))


def seat_changed(
    change: SeatChange, *, session: Session | None = None, connection: Connection | None = None
) -> None:
    """Run the hooks that want the change, in its session or on its connection.

    Without a session, one is opened on the connection only when a hook wants the change:
    most takes reach no usage threshold, and cost no ORM at all.
    """
    due = _due(change)
    if not due:
        return
    if session is not None:
        for hook in due:
            hook(session, change)
        return
    assert connection is not None, "a seat change happens in a session or on a connection"
    # Joins the connection's transaction, and neither commits nor ends it.
    with Session(bind=connection) as opened:
        for hook in due:
            hook(opened, change)
        opened.flush()
