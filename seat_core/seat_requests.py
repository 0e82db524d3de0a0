"""Seat requests: who was refused a seat, remembered once per identity until admitted."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from . import alerts, events
from .db import upsert
from .errors import Requester
from .models import Organization, SeatRequest


def pending_requests(session: Session, organization_id: int) -> int:
    """Return how many people of the organization wait for a seat."""
    pending = session.scalar(
        select(func.count())
        .select_from(SeatRequest)
        .where(SeatRequest.organization_id == organization_id, SeatRequest.status == "pending")
    )
    return pending or 0


def record_refusal(
    session: Session,
    organization: Organization,
    *,
    channel: str,
    identity: str,
    identity_key: str,
    at: datetime,
    display_name: str | None = None,
    email: str | None = None,
    member_id: str | None = None,
    reason: str = "no_seat",
) -> SeatRequest:
    """Remember a refused person as a pending seat request, once per identity.

    Call it in a transaction of its own, after the refused request's transaction rolled
    back, so that the record survives that rollback.
    """
    values = {
        "organization_id": organization.id,
        "channel": channel,
        "identity": identity,
        "identity_key": identity_key,
        "display_name": display_name,
        "email": email,
        "member_id": member_id,
        "status": "pending",
        "attempts": 1,
        "first_seen_at": at,
        "last_seen_at": at,
    }
    row = upsert(session, SeatRequest).values(**values)
    statement = row.on_conflict_do_update(
        index_elements=[SeatRequest.organization_id, SeatRequest.identity_key],
        set_={
            "attempts": SeatRequest.attempts + 1,
            "last_seen_at": at,
            "channel": channel,
            "status": "pending",
            "resolved_at": None,
            "display_name": func.coalesce(row.excluded.display_name, SeatRequest.display_name),
            "email": func.coalesce(row.excluded.email, SeatRequest.email),
            "member_id": func.coalesce(row.excluded.member_id, SeatRequest.member_id),
        },
    ).returning(SeatRequest.id)
    request_id = session.scalar(statement)
    request = session.scalars(
        select(SeatRequest)
        .where(SeatRequest.id == request_id)
        .execution_options(populate_existing=True)
    ).one()
    data = {"seat_request_id": request.id, "channel": channel, "reason": reason}
    if member_id is not None:
        data["member_id"] = member_id
    events.record(session, organization.id, "seat.refused", at=at, subject=identity, data=data)
    if request.attempts == 1:
        events.record(
            session, organization.id, "seat_request.created", at=at, subject=identity, data=data
        )
    alerts.seat_refused(session, organization=organization, request=request, reason=reason, at=at)
    return request


def dismiss_request(session: Session, seat_request: SeatRequest, *, at: datetime) -> None:
    """Dismiss a pending seat request: its person is no longer waiting."""
    seat_request.status, seat_request.resolved_at = "dismissed", at
    events.record(
        session,
        seat_request.organization_id,
        "seat_request.dismissed",
        at=at,
        subject=seat_request.identity,
        data={"seat_request_id": seat_request.id},
    )


def record_request(
    session: Session,
    organization: Organization,
    requester: Requester,
    *,
    channel: str,
    at: datetime,
) -> SeatRequest:
    """Remember a refused requester as a pending seat request and alert the owners.

    Call it in a transaction of its own, after the refused request's transaction rolled
    back, so that the record survives that rollback.
    """
    return record_refusal(
        session,
        organization,
        channel=channel,
        identity=requester.identity,
        identity_key=requester.identity_key,
        at=at,
        display_name=requester.display_name,
        email=requester.email,
        member_id=requester.member_id,
        reason=requester.reason,
    )
