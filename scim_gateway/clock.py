"""The one place the adapter reads the clock; the seat core is always given the time."""

from __future__ import annotations

from datetime import UTC, date, datetime

from seat_core import local_date
from seat_core.models import Contract


def now() -> datetime:
    """Return the current instant, timezone-aware in UTC."""
    return datetime.now(UTC)


def today_for(contract: Contract, at: datetime | None = None) -> date:
    """Return today's date in the contract's billing time zone."""
    return local_date(at or now(), contract.timezone)
