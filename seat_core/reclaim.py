"""Reclaiming dormant seats: a seat unused for the policy's days goes back to the pool.

A seat is dormant when its holder has not signed in (through SSO or the sign-in hook)
for reclaim_after_days days, counting from the later of its last sign-in and the day it
took the seat. The owners are warned once, 7 days ahead, in one alert listing who is
reclaimed on which day; the seat is released on that day if its holder still has not
signed in. Owners and members of exempt groups are never reclaimed. The member keeps its
data and its SCIM "active"; its next sign-in takes a seat again. Run once a day or more
(`seats reclaim`, the alert worker): a second run on the same day does nothing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import exists, or_, select, update
from sqlalchemy.orm import Session

from .alerts import enqueue
from .ledger import release_seat
from .licensing import EXEMPT, admit_pending, in_groups
from .models import Contract, Member, Owner, Seat, SeatPolicy
from .terms import local_date

WARNING_DAYS = 7


@dataclass(frozen=True)
class Dormant:
    """A member whose seat is (or is to be) reclaimed, and when."""

    member_id: str
    user_name: str
    display_name: str | None
    last_active: datetime
    reclaim_on: date

    def as_json(self) -> dict[str, Any]:
        return {
            "member_id": self.member_id,
            "user_name": self.user_name,
            "display_name": self.display_name,
            "last_active": self.last_active.isoformat(),
            "reclaim_on": self.reclaim_on.isoformat(),
        }


@dataclass
class Reclaimed:
    """What one run did in one organization: seats released and members warned of."""

    organization_id: int
    on: date
    released: list[Dormant] = field(default_factory=list)
    warned: list[Dormant] = field(default_factory=list)


def reclaim_due(
    session: Session, *, at: datetime, on: date | None = None, organization_id: int | None = None
) -> list[Reclaimed]:
    """Warn of and release the dormant seats of every organization reclaiming them.

    on is the day to act as of (default: each contract's local day of at).
    """
    query = select(SeatPolicy.organization_id, SeatPolicy.reclaim_after_days).where(
        SeatPolicy.reclaim_after_days.is_not(None)
    )
    if organization_id is not None:
        query = query.where(SeatPolicy.organization_id == organization_id)
    results = []
    for org_id, days in session.execute(query.order_by(SeatPolicy.organization_id)).all():
        assert days is not None  # the query asks for it
        results.append(_reclaim_organization(session, org_id, days, at=at, on=on))
    return results


def _reclaim_organization(
    session: Session, organization_id: int, days: int, *, at: datetime, on: date | None
) -> Reclaimed:
    contract = session.scalars(
        select(Contract).where(Contract.organization_id == organization_id)
    ).one()
    today = on or local_date(at, contract.timezone)
    result = Reclaimed(organization_id=organization_id, on=today)
    owner = exists(
        select(Owner.id).where(
            Owner.organization_id == organization_id,
            or_(Owner.email_key == Member.email_key, Owner.email_key == Member.user_name_key),
        )
    )
    # Who was active after this cannot be due within the warning's days (a day to spare
    # for the time zone): only the others are read.
    since = datetime.combine(today + timedelta(days=WARNING_DAYS + 2 - days), time(), UTC)
    holders = session.execute(
        select(Member, Seat)
        .join(Seat, Seat.member_id == Member.id)
        .where(
            Member.organization_id == organization_id,
            Seat.taken_at < since,
            or_(Member.last_sign_in_at.is_(None), Member.last_sign_in_at < since),
            ~owner,
            ~in_groups(organization_id, EXEMPT),
        )
        .order_by(Member.user_name_key, Member.id)
    ).all()
    for member, seat in holders:
        last_active = max(seat.taken_at, member.last_sign_in_at or seat.taken_at)
        due = local_date(last_active, contract.timezone) + timedelta(days=days)
        if due > today + timedelta(days=WARNING_DAYS):
            continue
        announced = seat.reclaim_warned_for
        if announced is not None and due <= announced <= today:
            dormant = Dormant(member.id, member.user_name, member.display_name, last_active, today)
            if release_seat(session, member, at=at, on=today, deactivate=False, reason="reclaimed"):
                result.released.append(dormant)
        elif announced is None or announced < due:
            # Not warned of this day yet: the seat goes 7 days from now at the earliest.
            reclaim_on = max(due, today + timedelta(days=WARNING_DAYS))
            marked = session.execute(
                update(Seat)
                # Guarded, so that of two runs at once one warns.
                .where(
                    Seat.id == seat.id,
                    or_(Seat.reclaim_warned_for.is_(None), Seat.reclaim_warned_for < due),
                )
                .values(reclaim_warned_for=reclaim_on)
                .execution_options(synchronize_session=False)
            )
            if marked.rowcount:  # type: ignore[attr-defined]
                result.warned.append(
                    Dormant(
                        member.id, member.user_name, member.display_name, last_active, reclaim_on
                    )
                )
    if result.released:
        admit_pending(session, organization_id, at=at)
    if result.warned:
        _warn(session, organization_id, result, days=days, at=at)
    return result


def _warn(
    session: Session, organization_id: int, result: Reclaimed, *, days: int, at: datetime
) -> None:
    """Tell the owners, in one alert, whose seats are reclaimed on which day."""
    enqueue(
        session,
        organization_id=organization_id,
        event="seats.reclaim_upcoming",
        payload={
            "reclaim_after_days": days,
            "on": result.on.isoformat(),
            "people_count": len(result.warned),
            "people": [dormant.as_json() for dormant in result.warned[:100]],
        },
        at=at,
        dedupe_key=f"reclaim-warning:{organization_id}:{_digest(result.warned)}",
    )


def _digest(warned: list[Dormant]) -> str:
    """Name a warning by whom it is about and when: the same warning is written once."""
    text = ",".join(sorted(f"{d.member_id}@{d.reclaim_on.isoformat()}" for d in warned))
    return hashlib.sha256(text.encode()).hexdigest()[:32]
