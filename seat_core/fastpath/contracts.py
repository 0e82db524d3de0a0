"""A contract's statements besides the take: its term, the purchase's charge, renewal.

Prepared like the take's (prepared.py), each read into the named result beside it, and
checked against its Core form on both databases (tests/unit/test_fastpath_contracts.py).
"""

from __future__ import annotations

from datetime import date
from typing import NamedTuple

from sqlalchemy import bindparam, case, func, select, update

from .prepared import Prepared
from .statements import contract


class TermOf(NamedTuple):
    """What tells whether a contract's term has ended and renews on the spot."""

    id: int
    auto_renew: bool
    term_end: date
    timezone: str


# Read on the session's connection, which flushes nothing: a new member stays unwritten
# for the take to insert it (members.add_member).
TERM_OF = Prepared(
    select(contract.c.id, contract.c.auto_renew, contract.c.term_end, contract.c.timezone).where(
        contract.c.organization_id == bindparam("p_organization_id")
    ),
    TermOf,
)


class Bought(NamedTuple):
    """Seats added: the contract's counts after the purchase, in its term."""

    seats_used: int
    seats_purchased: int
    term_index: int


# The purchase's charge: seats grow only inside the quoted term (term_index), so that a
# renewal racing the purchase makes it find no row instead of charging the old term's
# proration on the new one. CHECK (seats_used BETWEEN 0 AND seats_purchased) holds.
ADD_SEATS = Prepared(
    update(contract)
    .where(
        contract.c.id == bindparam("p_contract_id"),
        contract.c.term_index == bindparam("p_term_index"),
    )
    .values(seats_purchased=contract.c.seats_purchased + bindparam("p_seats"))
    .returning(contract.c.seats_used, contract.c.seats_purchased, contract.c.term_index),
    Bought,
)


class Renewed(NamedTuple):
    """A term renewed or a contract expired: its counts after the change."""

    seats_used: int
    seats_purchased: int
    term_index: int


# Guarded by the term index: of two renewals racing, one updates, the other finds no row
# and reads the contract again. seats_purchased is computed from seats_used in the same
# statement, so a seat taken at the last moment is carried over too (docs/rules.md).
RENEW_TERM = Prepared(
    update(contract)
    .where(
        contract.c.id == bindparam("p_contract_id"),
        contract.c.term_index == bindparam("p_term_index"),
    )
    .values(
        term_index=bindparam("p_next_index"),
        term_start=bindparam("p_start"),
        term_end=bindparam("p_end"),
        status="active",
        seats_purchased=case(
            (contract.c.seats_used > contract.c.min_seats, contract.c.seats_used),
            else_=contract.c.min_seats,
        ),
        # A price an operator set for the next term takes effect now, once.
        price_per_seat_year_minor=func.coalesce(
            contract.c.renewal_price_per_seat_year_minor, contract.c.price_per_seat_year_minor
        ),
        renewal_price_per_seat_year_minor=None,
    )
    .returning(contract.c.seats_used, contract.c.seats_purchased, contract.c.term_index),
    Renewed,
)

# Of two expiries racing, one finds the contract active and logs it.
EXPIRE_CONTRACT = Prepared(
    update(contract)
    .where(contract.c.id == bindparam("p_contract_id"), contract.c.status == "active")
    .values(status="expired")
    .returning(contract.c.seats_used, contract.c.seats_purchased, contract.c.term_index),
    Renewed,
)
