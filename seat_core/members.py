"""Members: the one place a member is built, added with its seat, or admitted from a request."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, select
from sqlalchemy.orm import Session, sessionmaker

from . import events
from .errors import NotLicensed, Refusal
from .fastpath import can_join
from .identity import InvalidIdentity, email_key, identity_key
from .ledger import take_seat
from .licensing import assign_seat, licensed, release_and_refill
from .models import Member, SeatRequest, new_id
from .takes import insert_member


def new_member(
    organization_id: int,
    *,
    source: str,
    at: datetime,
    user_name: str = "",
    user_name_key: str | None = None,
    email: str | None = None,
    display_name: str | None = None,
    sso_issuer: str | None = None,
    sso_subject: str | None = None,
) -> Member:
    """Build an inactive member of the organization, not yet in any session.

    The keys are derived from the user name and email unless given; an email that is no
    address is kept for people to read but not matched on.
    """
    key = None
    if email:
        try:
            key = email_key(email)
        except InvalidIdentity:
            key = None
    return Member(
        id=new_id(),
        organization_id=organization_id,
        user_name=user_name,
        user_name_key=user_name_key or (identity_key(user_name) if user_name else ""),
        email=email,
        email_key=key,
        display_name=display_name,
        active=False,
        source=source,
        scim={},
        version=1,
        sso_issuer=sso_issuer,
        sso_subject=sso_subject,
        created_at=at,
        updated_at=at,
    )


def deactivated_by_idp(member: Member) -> bool:
    """Say whether the identity provider's last SCIM word on the member was "inactive".

    For a member the IdP manages over SCIM, only SCIM decides ``active``: single sign-on
    never brings it back (docs/sso.md). A member that only ever came through JIT has no
    SCIM representation; one whose seat an owner freed keeps the IdP's ``active: true``.
    """
    return not member.active and bool(member.scim) and member.scim.get("active") is not True


def add_member(session: Session, member: Member, *, at: datetime, active: bool) -> bool:
    """Add a new member to the session and, if it is to be active, give it a seat.

    A term that has ended is not renewed here: callers run renewal.renew_lapsed first,
    before the member joins the session (a renewal flushes it; the take should write it).

    The member is not flushed first: its INSERT is one prepared statement (on PostgreSQL,
    part of the take's single statement), not the ORM's flush, when it is the session's
    one change (fastpath.identity_map.can_join). Return whether a seat was taken. Under
    licensed groups an active new member holds no seat until it joins one (licensing.py).

    :raises NoSeatAvailable: when every purchased seat is in use.
    :raises ContractExpired: when the term has ended and the contract was not renewed.
    """
    session.add(member)
    if member.id is None:
        member.id = new_id()  # the event names it before anything is written
    log_member(session, member, "member.created", at=at, active=active, source=member.source)
    if active:
        if not licensed(session, member.organization_id):
            return take_seat(session, member, at=at)
        member.active = True
    if can_join(session, member):
        insert_member(session, member)
    return False


def log_member(
    target: Session | Connection, member: Member, type: str, *, at: datetime, **data: object
) -> None:
    """Append an event about the member to its organization's log."""
    events.record(
        target,
        member.organization_id,
        type,
        at=at,
        subject=member.user_name,
        data={"member_id": member.id, **data},
    )


def record_update(session: Session, member: Member, *, at: datetime, **data: object) -> None:
    """Log that the member's attributes changed (their seat's changes log themselves)."""
    log_member(session, member, "member.updated", at=at, **data)


def deactivate_member(session: Session, member: Member, *, at: datetime) -> bool:
    """Make the member inactive, releasing its seat; return False if it held none.

    Under licensed groups the seat goes to the oldest waiting member at once.
    """
    released = release_and_refill(session, member, at=at)
    log_member(session, member, "member.deactivated", at=at)
    return released


def remove_member(session: Session, member: Member, *, at: datetime) -> None:
    """Release the member's seat and log its deletion; the caller deletes the row."""
    release_and_refill(session, member, at=at)
    log_member(session, member, "member.deleted", at=at)


def member_for(session: Session, seat_request: SeatRequest, *, at: datetime) -> Member:
    """Return the member a request is for, adding it (source 'admin') if it has none yet.

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
        member = new_member(
            seat_request.organization_id,
            source="admin",
            at=at,
            user_name=seat_request.identity,
            user_name_key=seat_request.identity_key,
            email=seat_request.email,
            display_name=seat_request.display_name,
        )
        session.add(member)
        log_member(session, member, "member.created", at=at, active=True, source=member.source)
    return member


def admit_request(session: Session, seat_request: SeatRequest, *, at: datetime) -> Member:
    """Admit a pending seat request: take a seat for its person and mark it admitted.

    :raises NotLicensed: under licensed groups, for a person in none of them.
    :raises NoSeatAvailable: when every purchased seat is in use.
    :raises ContractExpired: when the term has ended and the contract was not renewed.
    """
    member = member_for(session, seat_request, at=at)
    assign_seat(session, member, at=at)
    seat_request.status, seat_request.resolved_at = "admitted", at
    seat_request.member_id = member.id
    events.record(
        session,
        seat_request.organization_id,
        "seat_request.admitted",
        at=at,
        subject=seat_request.identity,
        data={"seat_request_id": seat_request.id, "member_id": member.id},
    )
    return member


@dataclass(frozen=True)
class Admitted:
    """What admitting the waiting requests did: how many, how many left, and why it stopped.

    skipped names the people passed over for being in none of the licensed groups.
    """

    admitted: int
    waiting: int
    refusal: Refusal | None
    skipped: tuple[str, ...] = ()

    @property
    def left(self) -> int:
        return self.waiting - self.admitted


def admit_waiting(
    sessions: sessionmaker[Session], organization_id: int, *, at: datetime
) -> Admitted:
    """Admit pending requests oldest first while seats are free; stop at the first refusal.

    One transaction each, so that a refusal keeps the admissions before it. A person in
    none of the licensed groups is skipped (the request stays pending) and named in skipped.
    """
    with sessions.begin() as session:
        waiting = session.scalars(
            select(SeatRequest.id)
            .where(
                SeatRequest.organization_id == organization_id,
                SeatRequest.status == "pending",
            )
            .order_by(SeatRequest.first_seen_at, SeatRequest.id)
        ).all()
    admitted = 0
    skipped: list[str] = []
    for request_id in waiting:
        try:
            with sessions.begin() as session:
                row = session.get(SeatRequest, request_id)
                if row is None or row.status != "pending":
                    continue  # admitted or dismissed meanwhile
                admit_request(session, row, at=at)
        except NotLicensed as refusal:
            skipped.append(refusal.name)
            continue
        except Refusal as refusal:
            return Admitted(admitted, len(waiting), refusal, tuple(skipped))
        admitted += 1
    return Admitted(admitted, len(waiting), None, tuple(skipped))
