"""Alert events: purchases, renewals, expiry, renewal notices, refusals and their digests."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, select, update
from sqlalchemy.orm import Session

from ..db import upsert
from ..models import Contract, Invoice, Organization, Outbox, RefusalWindow, SeatRequest
from ..terms import format_money, local_date
from .outbox import enqueue
from .settings import alert_settings_of
from .thresholds import rearm_all, rearm_below

RENEWAL_NOTICE_DAYS = 30
# A digest names this many people at most; the count covers everyone.
DIGEST_MAX_NAMES = 100


def seat_refused(
    session: Session,
    *,
    organization: Organization,
    request: SeatRequest,
    reason: str,
    at: datetime,
) -> None:
    """Write a refusal: sent at once if first in its window, else held for the window's digest."""
    minutes = alert_settings_of(session, organization.id).digest_minutes
    held = minutes > 0 and _hold(session, organization.id, at, timedelta(minutes=minutes))
    counts = session.execute(
        select(Contract.seats_used, Contract.seats_purchased).where(
            Contract.organization_id == organization.id
        )
    ).one_or_none()
    enqueue(
        session,
        organization_id=organization.id,
        event="seat.refused",
        payload={
            "request_id": request.id,
            "channel": request.channel,
            "identity": request.identity,
            "display_name": request.display_name,
            "email": request.email,
            "attempts": request.attempts,
            "reason": reason,
            "seats_in_use": counts[0] if counts else None,
            "seats_purchased": counts[1] if counts else None,
        },
        at=at,
        state="held" if held else "ready",
    )


def _hold(session: Session, organization_id: int, at: datetime, window: timedelta) -> bool:
    """Open a window at the first refusal, or count this one into the open window.

    One upsert locks the organization's window row, so concurrent refusals (and the worker
    closing the window) take turns: exactly one refusal opens each window.
    """
    row = upsert(session, RefusalWindow).values(
        organization_id=organization_id, opened_at=at, closes_at=at + window, held=0
    )
    expired = RefusalWindow.closes_at <= row.excluded.opened_at
    statement = row.on_conflict_do_update(
        index_elements=[RefusalWindow.organization_id],
        set_={
            "opened_at": case((expired, row.excluded.opened_at), else_=RefusalWindow.opened_at),
            "closes_at": case((expired, row.excluded.closes_at), else_=RefusalWindow.closes_at),
            "held": case((expired, 0), else_=RefusalWindow.held + 1),
        },
    ).returning(RefusalWindow.held)
    held = session.scalar(statement)
    return bool(held)


def close_digests(session: Session, *, at: datetime) -> list[int]:
    """Gather the refusals held in every window that has closed into one digest each.

    Return the digests' outbox ids. Safe with several workers: the window row and the held
    rows are locked, and a held row is digested once.
    """
    organization_ids = session.scalars(
        select(Outbox.organization_id).where(Outbox.state == "held").distinct()
    ).all()
    digests: list[int] = []
    for organization_id in organization_ids:
        window = session.execute(
            select(RefusalWindow.opened_at, RefusalWindow.closes_at)
            .where(RefusalWindow.organization_id == organization_id)
            .with_for_update()
        ).one_or_none()
        if window is not None and window.closes_at > at:
            continue
        held = session.scalars(
            select(Outbox)
            .where(Outbox.organization_id == organization_id, Outbox.state == "held")
            .order_by(Outbox.id)
            .with_for_update()
        ).all()
        if not held:
            continue
        payload = _digest_payload([row.payload for row in held], window)
        outbox_id = enqueue(
            session,
            organization_id=organization_id,
            event="seat.refused.digest",
            payload=payload,
            at=at,
            dedupe_key=f"digest:{organization_id}:{held[0].id}",
        )
        session.execute(
            update(Outbox).where(Outbox.id.in_([row.id for row in held])).values(state="digested")
        )
        # The next refusal opens a new window and is sent at once.
        session.execute(
            delete(RefusalWindow).where(RefusalWindow.organization_id == organization_id)
        )
        if outbox_id is not None:
            digests.append(outbox_id)
    return digests


def _digest_payload(refusals: list[dict[str, Any]], window: Any) -> dict[str, Any]:
    people: dict[str, dict[str, Any]] = {}
    for refusal in refusals:
        key = str(refusal.get("identity", "")).casefold()
        person = people.setdefault(
            key,
            {
                "identity": refusal.get("identity"),
                "display_name": refusal.get("display_name"),
                "email": refusal.get("email"),
                "channel": refusal.get("channel"),
                "refusals": 0,
            },
        )
        person["refusals"] += 1
    listed = list(people.values())
    return {
        "refusals": len(refusals),
        "people_count": len(listed),
        "people": listed[:DIGEST_MAX_NAMES],
        "window_start": window.opened_at.isoformat() if window is not None else None,
        "window_end": window.closes_at.isoformat() if window is not None else None,
    }


def seats_purchased(
    session: Session, *, organization: Organization, invoice: Invoice, at: datetime
) -> None:
    """Write a purchase to the outbox, and re-arm thresholds that usage is now below."""
    contract = session.get_one(Contract, invoice.contract_id)
    rearm_below(session, contract)
    enqueue(
        session,
        organization_id=organization.id,
        event="seats.purchased",
        payload=_invoice_payload(invoice),
        at=at,
    )


def contract_renewed(
    session: Session, *, contract: Contract, invoice: Invoice, at: datetime
) -> None:
    """Write a renewal to the outbox; thresholds fire once per term, so re-arm them."""
    rearm_all(session, contract_id=contract.id)
    enqueue(
        session,
        organization_id=contract.organization_id,
        event="contract.renewed",
        payload={
            **_invoice_payload(invoice),
            "term_start": contract.term_start.isoformat(),
            "term_end": contract.term_end.isoformat(),
        },
        at=at,
        dedupe_key=f"renewed:{contract.id}:{contract.term_index}",
    )


def contract_expired(session: Session, *, contract: Contract, at: datetime) -> None:
    """Write the expiry of a contract that does not auto-renew to the outbox."""
    enqueue(
        session,
        organization_id=contract.organization_id,
        event="contract.expired",
        payload={"term_end": contract.term_end.isoformat()},
        at=at,
        dedupe_key=f"expired:{contract.id}:{contract.term_index}",
    )


def notify_renewals(session: Session, *, at: datetime, days: int = RENEWAL_NOTICE_DAYS) -> int:
    """Announce, once per term, each renewal (or expiry) due within days; return how many."""
    # A generous bound in UTC; the exact day is checked in each contract's time zone.
    horizon: date = at.date() + timedelta(days=days + 1)
    contracts = session.scalars(
        select(Contract)
        .where(Contract.status == "active", Contract.term_end <= horizon)
        .order_by(Contract.id)
    ).all()
    written = 0
    for contract in contracts:
        today = local_date(at, contract.timezone)
        if not contract.term_end - timedelta(days=days) <= today < contract.term_end:
            continue
        seats = max(contract.seats_used, contract.min_seats)
        amount = seats * contract.next_price_per_seat_year_minor
        outbox_id = enqueue(
            session,
            organization_id=contract.organization_id,
            event="renewal.upcoming" if contract.auto_renew else "contract.expiring",
            payload={
                "term_end": contract.term_end.isoformat(),
                "days_left": (contract.term_end - today).days,
                "seats_in_use": contract.seats_used,
                "seats_purchased": contract.seats_purchased,
                "renewal_seats": seats,
                "amount": format_money(amount, contract.currency),
                "currency": contract.currency,
            },
            at=at,
            dedupe_key=f"renewal-notice:{contract.id}:{contract.term_index}",
        )
        written += outbox_id is not None
    return written


def _invoice_payload(invoice: Invoice) -> dict[str, Any]:
    return {
        "invoice_id": invoice.id,
        "invoice_number": invoice.number,
        "amount": format_money(invoice.total_minor, invoice.currency),
        "currency": invoice.currency,
        "seats_purchased": invoice.seats_purchased_after,
        "issued_on": invoice.issued_on.isoformat(),
    }
