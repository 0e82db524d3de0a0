"""A purchase of seats as a request makes it: today in the contract's zone, the app's limits.

The API, the owners' pages and the command line quote and buy through here, so that a quote
and the charge it precedes are asked the same way (docs/rules.md, Contract, purchase).
"""

from __future__ import annotations

from datetime import date

from flask import current_app
from sqlalchemy.orm import Session

from seat_core import Purchase, Quote, contract_of, purchase_and_admit, quote_purchase
from seat_core.models import Organization

from .clock import now, today_for
from .config import seller


def max_seats() -> int:
    """Return the most seats one purchase may add (MAX_SEATS_PER_PURCHASE)."""
    return int(current_app.config["MAX_SEATS_PER_PURCHASE"])


def quote(session: Session, organization: Organization, *, seats: int) -> Quote:
    """Quote adding seats today, in the contract's billing time zone.

    :raises InvalidQuantity: when seats is below 1 or above the app's limit.
    :raises PurchaseOutsideTerm: when today is not inside the current term.
    """
    contract = contract_of(session, organization.id)
    return quote_purchase(
        session, organization, seats=seats, on=today_for(contract), max_seats=max_seats()
    )


def buy(
    session: Session,
    organization: Organization,
    *,
    seats: int,
    idempotency_key: str,
    quoted_on: date | None = None,
) -> Purchase:
    """Buy seats today, invoiced by the app's seller, then admit whoever waits for them.

    :raises InvalidQuantity: when seats is below 1 or above the app's limit.
    :raises PurchaseOutsideTerm: when today is not inside the current term.
    :raises StaleQuote: when quoted_on is another day than today and the key was not used.
    :raises IdempotencyKeyReused: when the key was used for a different purchase.
    :raises IdempotencyKeyInFlight: when the key's first purchase has not finished.
    """
    contract = contract_of(session, organization.id)
    return purchase_and_admit(
        session,
        organization,
        seats=seats,
        on=today_for(contract),
        quoted_on=quoted_on,
        at=now(),
        idempotency_key=idempotency_key,
        max_seats=max_seats(),
        seller=seller(current_app.config),
    )
