"""Members: search, keyset paging, and assigning or unassigning seats."""

from __future__ import annotations

from typing import Any

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import Select, func, literal, or_, select, tuple_

from seat_core import assign_seat, deactivate_member, identity_key
from seat_core.identity import InvalidIdentity, natural_key
from seat_core.models import Member

from ..clock import now
from ..db import read_only, transaction
from . import bp
from .auth import owner_required

PAGE_SIZE = 50
SOURCES = {"scim": "SCIM", "sso": "SSO", "admin": _l("Owner")}


def _search(query: str) -> str | None:
    """Return the search text normalized like the stored keys, or None for no search."""
    query = query.strip()[:200]
    if not query:
        return None
    try:
        return identity_key(query)
    except InvalidIdentity:
        # Not an answer: a search for text that is no identity searches for the text.
        return query.casefold()


def _like(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def member_page(
    organization_id: int, *, q: str | None, seat: str, after: str | None, before: str | None
) -> Select[tuple[Member]]:
    """Build one page's query, in natural order of userName, paged by key (never OFFSET).

    The order is (name_sort_key, user_name_key): "user3" before "user10", and the userName
    key breaks ties ("user03" and "user3"). A page's cursor is a userName key, whose sort
    key follows from it. The ix_member_org_name_sort index serves the order and the range,
    so a page reads about PAGE_SIZE rows however many members there are.
    """
    query = select(Member).where(Member.organization_id == organization_id)
    if q:
        pattern = _like(q)
        query = query.where(
            or_(
                Member.user_name_key.like(pattern, escape="\\"),
                Member.email_key.like(pattern, escape="\\"),
                func.lower(Member.display_name).like(pattern, escape="\\"),
            )
        )
    if seat == "with":
        query = query.where(Member.active.is_(True))
    elif seat == "without":
        query = query.where(Member.active.is_(False))
    order = tuple_(Member.name_sort_key, Member.user_name_key)
    if before is not None:
        query = query.where(order < tuple_(literal(natural_key(before)), literal(before)))
        return query.order_by(Member.name_sort_key.desc(), Member.user_name_key.desc())
    if after is not None:
        query = query.where(order > tuple_(literal(natural_key(after)), literal(after)))
    return query.order_by(Member.name_sort_key, Member.user_name_key)


@bp.get("/<org>/members")
@owner_required()
def members(org: str) -> Any:
    """List members with their seat status and source, searchable, a page at a time."""
    args = request.args
    q = _search(args.get("q", ""))
    seat = args.get("seat", "all") if args.get("seat") in ("with", "without") else "all"
    after, before = args.get("after"), args.get("before")
    # Keys are at most 256 characters: cut a longer one rather than send it to the index.
    after = after[:256] if after is not None else None
    before = before[:256] if before is not None else None
    with read_only() as session:
        rows = list(
            session.scalars(
                member_page(g.organization.id, q=q, seat=seat, after=after, before=before).limit(
                    PAGE_SIZE + 1
                )
            )
        )
        more = len(rows) > PAGE_SIZE
        rows = rows[:PAGE_SIZE]
        if before is not None:
            rows.reverse()
        keep = {"q": args.get("q") or None, "seat": seat if seat != "all" else None}
        has_next = more if before is None else True
        has_prev = (after is not None) or (before is not None and more)
        pages = {
            "next": url_for("admin.members", org=org, after=rows[-1].user_name_key, **keep)
            if rows and has_next
            else None,
            "prev": url_for("admin.members", org=org, before=rows[0].user_name_key, **keep)
            if rows and has_prev
            else None,
        }
        return render_template(
            "admin/members.html",
            members=rows,
            q=args.get("q", ""),
            seat=seat,
            pages=pages,
            sources=SOURCES,
        )


def _member(session: Any, member_id: str) -> Member | None:
    return session.scalars(
        select(Member).where(Member.id == member_id, Member.organization_id == g.organization.id)
    ).first()


def back(org: str) -> str:
    """Return where a members action goes back to: the members list it came from."""
    # Only back to the members list (with its search and page), never to another site.
    target = request.values.get("back", "")
    return (
        target if target.startswith(f"/admin/{org}/members") else url_for("admin.members", org=org)
    )


@bp.get("/<org>/members/<member_id>/unassign")
@owner_required()
def confirm_unassign(org: str, member_id: str) -> Any:
    """Ask before freeing a member's seat; a member without one goes back with a note."""
    with read_only() as session:
        member = _member(session, member_id)
        if member is None:
            return render_template("admin/not_found.html", message=_("No such member.")), 404
        name = member.display_name or member.user_name
        if not member.active:
            flash(_("%(name)s holds no seat.", name=name), "info")
            return redirect(back(org))
        return render_template("admin/unassign.html", member=member, name=name, back=back(org))


@bp.post("/<org>/members/<member_id>/unassign")
@owner_required()
def unassign(org: str, member_id: str) -> Any:
    """Free the member's seat; the member becomes inactive."""
    at = now()
    with transaction() as session:
        member = _member(session, member_id)
        if member is None:
            flash(_("No such member."), "error")
            return redirect(back(org))
        released = deactivate_member(session, member, at=at)
        name, source = member.display_name or member.user_name, member.source
    if not released:
        flash(_("%(name)s holds no seat.", name=name), "info")
    elif source == "scim":
        flash(
            _(
                "Seat freed: %(name)s is now inactive. %(name)s is provisioned by your identity "
                "provider, which may reactivate them at its next sync: unassign them there too.",
                name=name,
            ),
            "success",
        )
    else:
        flash(_("Seat freed: %(name)s is now inactive.", name=name), "success")
    return redirect(back(org))


@bp.post("/<org>/members/<member_id>/assign")
@owner_required()
def assign(org: str, member_id: str) -> Any:
    """Give the member a free seat; refused when none is free or it is in no licensed group."""
    at = now()
    # A refusal leaves the transaction and is answered by admin.refused.
    with transaction() as session:
        member = _member(session, member_id)
        if member is None:
            flash(_("No such member."), "error")
            return redirect(back(org))
        taken = assign_seat(session, member, at=at)
        name, source = member.display_name or member.user_name, member.source
    if not taken:
        flash(_("%(name)s already holds a seat.", name=name), "info")
    elif source == "scim":
        flash(
            _(
                "Seat assigned: %(name)s is active. %(name)s is provisioned by your identity "
                "provider: if it deactivated them, its next sync frees the seat again.",
                name=name,
            ),
            "success",
        )
    else:
        flash(_("Seat assigned: %(name)s is active.", name=name), "success")
    return redirect(back(org))
