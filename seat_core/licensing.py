"""Licensed groups: when an organization names them, seats follow its IdP's groups.

A member holds a seat while it is active and in a licensed group. Joining one takes a
seat; when none is free the membership stays (the IdP's view of the group must stay
true) and the member waits as a pending seat request. Leaving every licensed group
releases the seat, and a released or added seat admits the waiting members, oldest
first, in the same transaction. Every seat still goes through take_seat's guarded UPDATE.
Without licensed groups nothing here changes anything. See docs/policy.md.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import ColumnElement, Connection, Select, delete, exists, insert, select, update
from sqlalchemy.orm import Session

from .errors import ContractExpired, NoSeatAvailable, NotLicensed
from .fastpath import statements
from .ledger import release_seat, take_seat
from .models import (
    GroupMembership,
    Member,
    Organization,
    PolicyGroup,
    ScimGroup,
    Seat,
    SeatRequest,
)
from .renewal import renew_lapsed
from .seat_requests import record_refusal

LICENSED = "licensed"
EXEMPT = "exempt"


@dataclass
class Synced:
    """What a sync did: members given a seat, released, and left waiting for one."""

    taken: list[str] = field(default_factory=list)
    released: list[str] = field(default_factory=list)
    queued: list[str] = field(default_factory=list)


def group_names(session: Session, organization_id: int, kind: str) -> list[str]:
    """Return the displayNames a policy names for kind ('licensed' or 'exempt'), sorted."""
    return list(
        session.scalars(
            select(PolicyGroup.display_name)
            .where(PolicyGroup.organization_id == organization_id, PolicyGroup.kind == kind)
            .order_by(PolicyGroup.display_name_key)
        )
    )


def licensed(session: Session, organization_id: int) -> bool:
    """Tell whether the organization hands out seats by licensed groups."""
    # On the session's connection, which flushes nothing: a new member stays unwritten,
    # for the take to insert it (members.py).
    return licensed_on(session.connection(), organization_id)


def licensed_on(connection: Connection, organization_id: int) -> bool:
    """Tell, on a bare connection, whether the organization hands out seats by groups."""
    found = statements.LICENSED_GROUP.first(connection, {"p_organization_id": organization_id})
    return found is not None


def policy_memberships(organization_id: int, kind: str) -> Select[str]:
    """SQL: the memberships of the organization's groups that the policy names for kind."""
    return (
        select(GroupMembership.member_id)
        .join(ScimGroup, ScimGroup.id == GroupMembership.group_id)
        .join(
            PolicyGroup,
            (PolicyGroup.organization_id == ScimGroup.organization_id)
            & (PolicyGroup.display_name_key == ScimGroup.display_name_key),
        )
        .where(ScimGroup.organization_id == organization_id, PolicyGroup.kind == kind)
    )


def in_groups(organization_id: int, kind: str) -> ColumnElement[bool]:
    """SQL: the member is in one of the organization's groups the policy names for kind."""
    return exists(
        policy_memberships(organization_id, kind).where(GroupMembership.member_id == Member.id)
    )


def is_licensed_member(session: Session, member: Member) -> bool:
    """Tell whether the member is in one of its organization's licensed groups."""
    found = session.scalar(
        select(Member.id).where(Member.id == member.id, in_groups(member.organization_id, LICENSED))
    )
    return found is not None


def add_to_group(
    session: Session, group: ScimGroup, member_ids: Iterable[str], *, at: datetime
) -> Synced:
    """Add members (already checked to be the group's organization's) to a group, and sync.

    Adds only: members that others add or remove meanwhile are left as they are.
    """
    wanted = list(dict.fromkeys(member_ids))
    present = set(
        session.scalars(
            select(GroupMembership.member_id).where(
                GroupMembership.group_id == group.id, GroupMembership.member_id.in_(wanted)
            )
        )
    )
    added = [member_id for member_id in wanted if member_id not in present]
    if not added:
        return Synced()
    session.execute(
        insert(GroupMembership), [{"group_id": group.id, "member_id": m} for m in added]
    )
    return sync_members(session, group.organization_id, added, at=at)


def set_group_members(
    session: Session,
    group: ScimGroup,
    wanted: list[str],
    *,
    at: datetime,
    renamed: bool = False,
) -> Synced:
    """Make the group's members exactly wanted, then sync the seats of whoever it changed.

    renamed says the group's displayName changed: then every member before and after may
    have entered or left a licensed group.
    """
    current = set(
        session.scalars(
            select(GroupMembership.member_id).where(GroupMembership.group_id == group.id)
        )
    )
    wanted_set = set(wanted)
    removed = current - wanted_set
    added = [member_id for member_id in dict.fromkeys(wanted) if member_id not in current]
    if removed:
        session.execute(
            delete(GroupMembership).where(
                GroupMembership.group_id == group.id, GroupMembership.member_id.in_(removed)
            )
        )
    if added:
        session.execute(
            insert(GroupMembership),
            [{"group_id": group.id, "member_id": member_id} for member_id in added],
        )
    changed = (current | wanted_set) if renamed else (removed | set(added))
    if not changed:
        return Synced()
    return sync_members(session, group.organization_id, changed, at=at)


def sync_members(
    session: Session,
    organization_id: int,
    member_ids: Iterable[str] | None,
    *,
    at: datetime,
) -> Synced:
    """Give seats to active licensed members and take them from unlicensed ones.

    member_ids limits the sync to those members (None: every member of the organization).
    Seats released first admit the members already waiting, oldest first; then the
    members joining take one each, or wait as pending seat requests, owners alerted.
    """
    synced = Synced()
    if not licensed(session, organization_id):
        return synced
    session.flush()
    scope = [Member.organization_id == organization_id]
    if member_ids is not None:
        ids = sorted(set(member_ids))
        if not ids:
            return synced
        scope.append(Member.id.in_(ids))
    holds = exists(select(Seat.id).where(Seat.member_id == Member.id))
    unlicensed = list(
        session.scalars(
            select(Member)
            .where(*scope, holds, ~in_groups(organization_id, LICENSED))
            .order_by(Member.id)
        )
    )
    for member in unlicensed:
        if release_seat(session, member, at=at, deactivate=False, reason="unlicensed"):
            synced.released.append(member.id)
    _dismiss_unlicensed(session, organization_id, scope, at=at)
    if synced.released:
        synced.taken.extend(admit_pending(session, organization_id, at=at))
    joining = list(
        session.scalars(
            select(Member)
            .where(*scope, Member.active.is_(True), ~holds, in_groups(organization_id, LICENSED))
            .order_by(Member.created_at, Member.user_name_key, Member.id)
        )
    )
    if joining:
        renew_lapsed(session, organization_id, at=at)
    for member in joining:
        if member.id in synced.taken:
            continue
        if _take_or_queue(session, member, at=at):
            synced.taken.append(member.id)
        else:
            synced.queued.append(member.id)
    return synced


def admit_pending(session: Session, organization_id: int, *, at: datetime) -> list[str]:
    """Give free seats to the waiting licensed members, oldest request first; return their ids.

    Does nothing without licensed groups: then owners admit requests themselves.
    """
    if not licensed(session, organization_id):
        return []
    session.flush()
    waiting = session.execute(
        select(Member, SeatRequest.first_seen_at)
        .join(SeatRequest, SeatRequest.member_id == Member.id)
        .where(
            SeatRequest.organization_id == organization_id,
            SeatRequest.status == "pending",
            Member.organization_id == organization_id,
            Member.active.is_(True),
            ~exists(select(Seat.id).where(Seat.member_id == Member.id)),
            in_groups(organization_id, LICENSED),
        )
        .order_by(SeatRequest.first_seen_at, SeatRequest.id)
    ).all()
    admitted: list[str] = []
    if waiting:
        renew_lapsed(session, organization_id, at=at)
    for member, _ in waiting:
        if member.id in admitted:
            continue
        try:
            take_seat(session, member, at=at)
        except (NoSeatAvailable, ContractExpired):
            member.active = True  # the refusal set it back; it stays active, seatless
            break
        admitted.append(member.id)
    return admitted


def release_and_refill(
    session: Session,
    member: Member,
    *,
    at: datetime,
    deactivate: bool = True,
    reason: str | None = None,
) -> bool:
    """Release the member's seat, then admit whoever waits for it under licensed groups."""
    released = release_seat(session, member, at=at, deactivate=deactivate, reason=reason)
    if released:
        admit_pending(session, member.organization_id, at=at)
    return released


def assign_seat(session: Session, member: Member, *, at: datetime) -> bool:
    """Take a seat an owner gives by hand or by admitting a request; return whether taken.

    Under licensed groups only a member of one of them may hold a seat: every seat an
    owner hands out comes through here.

    :raises NotLicensed: under licensed groups, for a member in none of them.
    :raises NoSeatAvailable: when every purchased seat is in use.
    :raises ContractExpired: when the term has ended and the contract was not renewed.
    """
    if licensed(session, member.organization_id) and not _hold_licence(session, member):
        raise NotLicensed(
            name=member.display_name or member.user_name,
            groups=group_names(session, member.organization_id, LICENSED),
        )
    renew_lapsed(session, member.organization_id, at=at)
    return take_seat(session, member, at=at)


def _hold_licence(session: Session, member: Member) -> bool:
    """Tell whether the member is in a licensed group, locking what makes it so until commit.

    On PostgreSQL the membership, group and policy rows found are locked (FOR NO KEY
    UPDATE): a concurrent removal, rename or policy change waits for the seat to be taken
    and then releases it, or commits first and the lock finds no row. SQLite runs one
    writing transaction at a time.
    """
    found = session.scalar(
        policy_memberships(member.organization_id, LICENSED)
        .where(GroupMembership.member_id == member.id)
        .limit(1)
        .with_for_update(of=(GroupMembership, ScimGroup, PolicyGroup), key_share=True)
    )
    return found is not None


def activate(session: Session, member: Member, *, at: datetime) -> bool:
    """Make an inactive member active, taking a seat if the policy gives it one.

    Without licensed groups, activating takes a seat or is refused. With them, only a
    licensed member takes one, and waits for it when none is free. Return whether it holds one.

    :raises NoSeatAvailable: without licensed groups, when every seat is in use.
    """
    if not licensed(session, member.organization_id):
        renew_lapsed(session, member.organization_id, at=at)
        take_seat(session, member, at=at)
        return True
    member.active = True
    if not is_licensed_member(session, member):
        return False
    renew_lapsed(session, member.organization_id, at=at)
    return _take_or_queue(session, member, at=at)


def _take_or_queue(session: Session, member: Member, *, at: datetime) -> bool:
    """Take a seat for an active licensed member, or remember it as a pending seat request."""
    try:
        take_seat(session, member, at=at)
    except (NoSeatAvailable, ContractExpired) as refusal:
        # The take wrote nothing; the member stays active and in its groups, seatless.
        member.active = True
        organization = session.get_one(Organization, member.organization_id)
        record_refusal(
            session,
            organization,
            channel="scim",
            identity=member.user_name,
            identity_key=member.user_name_key,
            at=at,
            display_name=member.display_name,
            email=member.email,
            member_id=member.id,
            reason=refusal.reason,
        )
        return False
    return True


def _dismiss_unlicensed(
    session: Session, organization_id: int, scope: list[ColumnElement[bool]], *, at: datetime
) -> None:
    """Dismiss the pending requests of members in scope who left every licensed group."""
    leavers = select(Member.id).where(*scope, ~in_groups(organization_id, LICENSED))
    session.execute(
        update(SeatRequest)
        .where(
            SeatRequest.organization_id == organization_id,
            SeatRequest.status == "pending",
            SeatRequest.member_id.in_(leavers),
        )
        .values(status="dismissed", resolved_at=at)
        .execution_options(synchronize_session=False)
    )
