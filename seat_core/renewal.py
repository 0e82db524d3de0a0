"""Renewal: each ended term renews once, carrying the seats in use, or the contract expires."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from . import alerts, events
from .contracts import contract_of
from .fastpath.contracts import EXPIRE_CONTRACT, RENEW_TERM, TERM_OF, Renewed
from .history import counts as history_counts
from .invoices import Seller, issue_invoice, seats_text
from .models import Contract, ContractTerm, Invoice, InvoiceLine
from .terms import Term, local_date


def renew(
    session: Session,
    contract: Contract,
    *,
    at: datetime,
    on: date | None = None,
    force: bool = False,
    seller: Seller | None = None,
) -> list[Invoice]:
    """Renew every term of the contract that has ended by the day on; return their invoices.

    Seats carry over as the seats in use at the end of the term, never below the plan
    minimum. A contract that does not auto-renew expires instead, unless force is set.
    """
    invoices: list[Invoice] = []
    while True:
        current = contract_of(session, contract.organization_id)
        today = on or local_date(at, current.timezone)
        if today < current.term_end and current.status == "active":
            return invoices
        if not (current.auto_renew or force):
            _expire(session, current, at=at, on=today)
            return invoices
        next_term = Term(current.origin, current.term_index + 1)
        renewed = RENEW_TERM.first(
            session.connection(),
            {
                "p_contract_id": current.id,
                "p_term_index": current.term_index,
                "p_next_index": next_term.index,
                "p_start": next_term.start,
                "p_end": next_term.end,
            },
        )
        if renewed is not None:
            invoices.append(_renewed(session, current, next_term, renewed, at=at, seller=seller))
        # else another renewal won the race: read the contract again.


def _renewed(
    session: Session,
    current: Contract,
    next_term: Term,
    renewed: Renewed,
    *,
    at: datetime,
    seller: Seller | None,
) -> Invoice:
    """Record a renewed term, issue its invoice for the year, and log and announce it."""
    session.execute(
        insert(ContractTerm).values(
            contract_id=current.id,
            term_index=renewed.term_index,
            start=next_term.start,
            end=next_term.end,
            seats_purchased_at_start=renewed.seats_purchased,
            seats_used_at_start=renewed.seats_used,
        )
    )
    fresh = contract_of(session, current.organization_id)
    seats = renewed.seats_purchased
    invoice = issue_invoice(
        session,
        fresh,
        kind="renewal",
        issued_on=next_term.start,
        at=at,
        seats_purchased_after=seats,
        seller=seller,
        line=InvoiceLine(
            description=f"Renewal: {seats_text(seats)} for one year",
            seats=seats,
            period_start=next_term.start,
            period_end=next_term.end,
            remaining_months="12",
            unit_price_minor=fresh.price_per_seat_year_minor,
            amount_minor=seats * fresh.price_per_seat_year_minor,
        ),
    )
    alerts.contract_renewed(session, contract=fresh, invoice=invoice, at=at)
    # Renewal is the system's, whichever request or job happened to trigger it.
    events.record(
        session,
        fresh.organization_id,
        "contract.renewed",
        at=at,
        subject=invoice.number,
        actor=events.SYSTEM,
        data={
            "term_start": next_term.start.isoformat(),
            "term_end": next_term.end.isoformat(),
            # The counts of the usage history (history.py), seats_purchased among them.
            **history_counts(*renewed, on=next_term.start),
            "invoice_number": invoice.number,
            "amount_minor": invoice.total_minor,
            "currency": invoice.currency,
        },
    )
    return invoice


def _expire(session: Session, contract: Contract, *, at: datetime, on: date) -> None:
    connection = session.connection()
    expired = EXPIRE_CONTRACT.first(connection, {"p_contract_id": contract.id})
    # A statement on the connection: the session's contract reads its status again.
    session.expire(contract, ["status"])
    if expired is not None:
        alerts.contract_expired(session, contract=contract, at=at)
        events.record(
            session,
            contract.organization_id,
            "contract.expired",
            at=at,
            actor=events.SYSTEM,
            data={
                "term_end": contract.term_end.isoformat(),
                **history_counts(*expired, on=on),
            },
        )


def renew_lapsed(
    session: Session, organization_id: int, *, at: datetime, on: date | None = None
) -> None:
    """Renew an auto-renewing contract whose term has ended, before a seat is taken.

    The renewal job may lag behind midnight: a take right after it renews rather than
    refuses. Run by the callers of ledger.take_seat, which renews nothing itself.
    """
    term = TERM_OF.first(session.connection(), {"p_organization_id": organization_id})
    if (
        term is not None
        and term.auto_renew
        and (on or local_date(at, term.timezone)) >= term.term_end
    ):
        renew(session, contract_of(session, organization_id), at=at, on=on)


def renew_due(session: Session, *, at: datetime, seller: Seller | None = None) -> list[Invoice]:
    """Renew or expire every contract whose term has ended by now in its own time zone."""
    invoices: list[Invoice] = []
    contracts = session.scalars(
        select(Contract).where(Contract.status == "active").order_by(Contract.id)
    ).all()
    for contract in contracts:
        if local_date(at, contract.timezone) >= contract.term_end:
            invoices.extend(renew(session, contract, at=at, seller=seller))
    return invoices


def renewal_preview(contract: Contract) -> tuple[date, int, int]:
    """Return (renewal date, seats it would renew at, amount in minor units) as of now."""
    seats = max(contract.seats_used, contract.min_seats)
    return contract.term_end, seats, seats * contract.next_price_per_seat_year_minor
