"""Seat requests: people refused for want of a seat; admitting one takes a seat for them."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import Session

from seat_core import (
    ContractExpired,
    InvalidIdentity,
    NoSeatAvailable,
    contract_of,
    email_key,
    take_seat,
)
from seat_core.models import MAX_ID, Member, SeatRequest

from ..clock import now
from ..db import transaction
from . import bp
from .auth import owner_required

PAGE_SIZE = 100
STATUSES = ("pending", "admitted", "dismissed")


@bp.get("/<org>/seat-requests")
@owner_required()
def seat_requests(org: str) -> Any:
    """List seat requests, newest first: pending ones by default."""
    status = request.args.get("status", "pending")
    status = status if status in STATUSES else "pending"
    before = request.args.get("before", type=int)
    if before is not None and not 0 < before <= MAX_ID:
        before = None  # not an id, or past every id: start from the newest
    with transaction() as session:
        query = select(SeatRequest).where(
            SeatRequest.organization_id == g.organization.id, SeatRequest.status == status
        )
        if before:
            query = query.where(SeatRequest.id < before)
        rows = list(
            session.scalars(
                query.order_by(SeatRequest.last_seen_at.desc(), SeatRequest.id.desc()).limit(
                    PAGE_SIZE
                )
            )
        )
        contract = contract_of(session, g.organization.id)
        free = max(0, contract.seats_purchased - contract.seats_used)
        return render_template(
            "admin/seat_requests.html", requests=rows, status=status, seats_free=free
        )


def member_for(session: Session, seat_request: SeatRequest, *, at: Any) -> Member:
    """Return the member a request is for, creating it (source 'admin') if it has none yet.

    A refused SCIM create or a first SSO sign-in leaves no member behind. The member is
    created under the refused identity, so that the identity provider's next sync finds it
    by userName and the person's next SSO sign-in finds its seat waiting.
    """
    member = None
    if seat_request.member_id:
        member = session.get(Member, seat_request.member_id)
    if member is None:
        member = session.scalars(
            select(Member).where(
                Member.organization_id == seat_request.organization_id,
                (Member.user_name_key == seat_request.identity_key)
                | (Member.email_key == seat_request.identity_key),
            )
        ).first()
    if member is None:
        key = None
        if seat_request.email:
            try:
                key = email_key(seat_request.email)
            except InvalidIdentity:
                key = None  # a malformed address is kept for people, not matched on
        member = Member(
            organization_id=seat_request.organization_id,
            user_name=seat_request.identity,
            user_name_key=seat_request.identity_key,
            display_name=seat_request.display_name,
            email=seat_request.email,
            email_key=key,
            active=False,
            source="admin",
            scim={},
            created_at=at,
            updated_at=at,
        )
        session.add(member)
        session.flush()
    return member


@bp.post("/<org>/seat-requests/<int:request_id>/admit")
@owner_required()
def admit(org: str, request_id: int) -> Any:
    """Admit a pending request: take a seat for the person."""
    at = now()
    try:
        with transaction() as session:
            row = session.scalars(
                select(SeatRequest).where(
                    SeatRequest.id == request_id,
                    SeatRequest.organization_id == g.organization.id,
                )
            ).first()
            if row is None or row.status != "pending":
                flash("That request is no longer pending.", "info")
                return redirect(url_for("admin.seat_requests", org=org))
            name = _admit(session, row, at=at)
    except (NoSeatAvailable, ContractExpired) as error:
        flash(str(error), "error")
        return redirect(url_for("admin.seat_requests", org=org))
    flash(f"{name} now holds a seat.", "success")
    return redirect(url_for("admin.seat_requests", org=org))


@bp.post("/<org>/seat-requests/admit-all")
@owner_required()
def admit_all(org: str) -> Any:
    """Admit pending requests oldest first while seats are free; stop at the first refusal."""
    at = now()
    with transaction() as session:
        waiting = session.scalars(
            select(SeatRequest.id)
            .where(
                SeatRequest.organization_id == g.organization.id,
                SeatRequest.status == "pending",
            )
            .order_by(SeatRequest.first_seen_at, SeatRequest.id)
        ).all()
    admitted, refusal = 0, None
    for request_id in waiting:
        # One transaction each: a refusal keeps the admissions before it.
        try:
            with transaction() as session:
                row = session.get(SeatRequest, request_id)
                if row is None or row.status != "pending":
                    continue  # admitted or dismissed meanwhile
                _admit(session, row, at=at)
        except (NoSeatAvailable, ContractExpired) as error:
            refusal = error
            break
        admitted += 1
    left = len(waiting) - admitted
    if refusal is not None:
        flash(f"Admitted {admitted}; {left} still waiting. {refusal}", "error")
    elif admitted:
        flash(f"Admitted {admitted} {'person' if admitted == 1 else 'people'}.", "success")
    else:
        flash("Nobody was waiting.", "info")
    return redirect(url_for("admin.seat_requests", org=org))


def _admit(session: Session, row: SeatRequest, *, at: Any) -> str:
    member = member_for(session, row, at=at)
    take_seat(session, member, at=at)
    row.status, row.resolved_at, row.member_id = "admitted", at, member.id
    return member.display_name or member.user_name


@bp.post("/<org>/seat-requests/<int:request_id>/dismiss")
@owner_required()
def dismiss(org: str, request_id: int) -> Any:
    """Dismiss a pending request without taking a seat; a new refusal reopens it."""
    at = now()
    with transaction() as session:
        row = session.scalars(
            select(SeatRequest).where(
                SeatRequest.id == request_id,
                SeatRequest.organization_id == g.organization.id,
                SeatRequest.status == "pending",
            )
        ).first()
        if row is not None:
            row.status, row.resolved_at = "dismissed", at
    flash("Request dismissed." if row else "That request is no longer pending.", "info")
    return redirect(url_for("admin.seat_requests", org=org))
