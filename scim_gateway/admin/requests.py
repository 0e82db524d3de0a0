"""Seat requests: people refused for want of a seat; admitting one takes a seat for them."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import ngettext
from sqlalchemy import select

from seat_core import admit_request, admit_waiting, contract_of, dismiss_request
from seat_core.models import MAX_ID, SeatRequest

from ..clock import now
from ..db import database, read_only, transaction
from . import bp
from .auth import owner_required
from .errors import message_of

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
    with read_only() as session:
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


@bp.post("/<org>/seat-requests/<int:request_id>/admit")
@owner_required()
def admit(org: str, request_id: int) -> Any:
    """Admit a pending request: take a seat for the person."""
    at = now()
    # A refusal leaves the transaction and is answered by admin.refused.
    with transaction() as session:
        # Locked: of two owners (or a double click) admitting it at once, the second waits
        # here and then finds it admitted, instead of admitting it a second time.
        row = session.scalars(
            select(SeatRequest)
            .where(
                SeatRequest.id == request_id,
                SeatRequest.organization_id == g.organization.id,
            )
            .with_for_update()
        ).first()
        if row is None or row.status != "pending":
            flash(_("That request is no longer pending."), "info")
            return redirect(url_for("admin.seat_requests", org=org))
        member = admit_request(session, row, at=at)
        name = member.display_name or member.user_name
    flash(_("%(name)s now holds a seat.", name=name), "success")
    return redirect(url_for("admin.seat_requests", org=org))


@bp.post("/<org>/seat-requests/admit-all")
@owner_required()
def admit_all(org: str) -> Any:
    """Admit pending requests oldest first while seats are free; skip the unlicensed."""
    done = admit_waiting(database().sessions, g.organization.id, at=now())
    if done.skipped:
        names = ", ".join(done.skipped[:5])
        if len(done.skipped) > 5:
            names = _("%(names)s and others", names=names)
        flash(
            ngettext(
                "Skipped %(num)d person in none of the licensed groups: %(names)s. "
                "They stay waiting.",
                "Skipped %(num)d people in none of the licensed groups: %(names)s. "
                "They stay waiting.",
                len(done.skipped),
                names=names,
            ),
            "error",
        )
    if done.refusal is not None:
        flash(
            _(
                "Admitted %(admitted)d; %(left)d still waiting. %(refusal)s",
                admitted=done.admitted,
                left=done.left,
                refusal=message_of(done.refusal),
            ),
            "error",
        )
    elif done.admitted:
        flash(
            ngettext("Admitted %(num)d person.", "Admitted %(num)d people.", done.admitted),
            "success",
        )
    elif not done.skipped:
        flash(_("Nobody was waiting."), "info")
    return redirect(url_for("admin.seat_requests", org=org))


@bp.post("/<org>/seat-requests/<int:request_id>/dismiss")
@owner_required()
def dismiss(org: str, request_id: int) -> Any:
    """Dismiss a pending request without taking a seat; a new refusal reopens it."""
    at = now()
    with transaction() as session:
        row = session.scalars(
            select(SeatRequest)
            .where(
                SeatRequest.id == request_id,
                SeatRequest.organization_id == g.organization.id,
                SeatRequest.status == "pending",
            )
            .with_for_update()
        ).first()
        if row is not None:
            dismiss_request(session, row, at=at)
    flash(_("Request dismissed.") if row else _("That request is no longer pending."), "info")
    return redirect(url_for("admin.seat_requests", org=org))
