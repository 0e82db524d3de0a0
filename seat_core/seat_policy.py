"""An organization's seat policy: read it, change it, and apply a change to the seats."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, exists, func, insert, select
from sqlalchemy.orm import Session

from . import events
from .db import upsert
from .errors import SeatError
from .identity import fold
from .licensing import EXEMPT, LICENSED, Synced, group_names, sync_members
from .models import (
    MIN_RECLAIM_DAYS,
    GroupMembership,
    Member,
    PolicyGroup,
    ScimGroup,
    Seat,
    SeatPolicy,
)
from .text import InvalidText, check_text

# A policy names at most this many groups of each kind.
MAX_GROUPS = 100
# Reclaiming after more than ten years would never happen within a term.
MAX_RECLAIM_DAYS = 3650
# How many of the seat holders a change would release are named before it is confirmed.
NAMED_RELEASES = 5


class InvalidPolicy(SeatError):
    """A seat policy that cannot be set; the message says why."""


@dataclass(frozen=True)
class Releases:
    """The seat holders a change of licensed groups would release: how many, the first few."""

    count: int
    names: list[str]

    def as_json(self) -> dict[str, Any]:
        """Return them as the API and the command line print them."""
        return {"seats_to_release": self.count, "members": self.names}

    def describe(self) -> str:
        """Say who would lose a seat, naming the first few."""
        people = "seat holder" if self.count == 1 else "seat holders"
        more = f" and {self.count - len(self.names)} more" if self.count > len(self.names) else ""
        return (
            f"{self.count} {people} in none of the licensed groups would lose their seat: "
            f"{', '.join(self.names)}{more}."
        )


class ReleasesUnconfirmed(SeatError):
    """A change of licensed groups would release seats, and the releases were not confirmed."""

    def __init__(self, releases: Releases) -> None:
        self.releases = releases
        super().__init__(f"{releases.describe()} Confirm to release them.")


@dataclass(frozen=True)
class PolicyView:
    """What an organization's seat policy says; every part off by default."""

    licensed_groups: list[str]
    reclaim_after_days: int | None
    exempt_groups: list[str]

    def as_json(self) -> dict[str, Any]:
        """Return the policy as the API and the command line print it."""
        return {
            "licensed_groups": self.licensed_groups,
            "reclaim_after_days": self.reclaim_after_days,
            "exempt_groups": self.exempt_groups,
        }


# Leave a part of the policy as it is (set_policy's default for each part).
KEEP: Any = object()


def policy_of(session: Session, organization_id: int) -> PolicyView:
    """Return the organization's seat policy."""
    days = session.scalar(
        select(SeatPolicy.reclaim_after_days).where(SeatPolicy.organization_id == organization_id)
    )
    return PolicyView(
        licensed_groups=group_names(session, organization_id, LICENSED),
        reclaim_after_days=days,
        exempt_groups=group_names(session, organization_id, EXEMPT),
    )


def set_policy(
    session: Session,
    organization_id: int,
    *,
    at: datetime,
    licensed_groups: list[str] = KEEP,
    reclaim_after_days: int | None = KEEP,
    exempt_groups: list[str] = KEEP,
    confirm_releases: bool = False,
) -> tuple[PolicyView, Synced]:
    """Change the parts of the policy given; return it and what the change did to seats.

    Changing the licensed groups syncs every member's seat with them at once (see
    licensing.sync_members). A change that would release seats is made only with
    confirm_releases; without it nothing is written.

    :raises InvalidPolicy: for a group name no group could have, too many groups, or a
        reclamation period under MIN_RECLAIM_DAYS days.
    :raises ReleasesUnconfirmed: when the new licensed groups would release seats and
        confirm_releases is false.
    """
    before = policy_of(session, organization_id)
    if licensed_groups is not KEEP and not confirm_releases:
        releases = releases_for(session, organization_id, licensed_groups)
        if releases.count:
            raise ReleasesUnconfirmed(releases)
    if reclaim_after_days is not KEEP:
        _check_days(reclaim_after_days)
        statement = upsert(session, SeatPolicy).values(
            organization_id=organization_id, reclaim_after_days=reclaim_after_days, updated_at=at
        )
        session.execute(
            statement.on_conflict_do_update(
                index_elements=[SeatPolicy.organization_id],
                set_={"reclaim_after_days": reclaim_after_days, "updated_at": at},
            )
        )
    if licensed_groups is not KEEP:
        _replace_groups(session, organization_id, LICENSED, licensed_groups)
    if exempt_groups is not KEEP:
        _replace_groups(session, organization_id, EXEMPT, exempt_groups)
    after = policy_of(session, organization_id)
    if after != before:
        events.record(
            session,
            organization_id,
            "policy.changed",
            at=at,
            data={"before": before.as_json(), "after": after.as_json()},
        )
    synced = Synced()
    if after.licensed_groups != before.licensed_groups:
        synced = sync_members(session, organization_id, None, at=at)
    return after, synced


def releases_for(session: Session, organization_id: int, licensed_groups: list[str]) -> Releases:
    """Return the seat holders that making these the licensed groups would release.

    Those are the holders in none of the named groups; with no group named, nobody.

    :raises InvalidPolicy: as set_policy does for the group names.
    """
    keys = list(parse_groups(licensed_groups, what="licensed_groups"))
    if not keys:
        return Releases(0, [])
    in_named = exists(
        select(GroupMembership.member_id)
        .join(ScimGroup, ScimGroup.id == GroupMembership.group_id)
        .where(
            GroupMembership.member_id == Member.id,
            ScimGroup.organization_id == organization_id,
            ScimGroup.display_name_key.in_(keys),
        )
    )
    holders = (
        select(Member.display_name, Member.user_name)
        .join(Seat, Seat.member_id == Member.id)
        .where(Member.organization_id == organization_id, ~in_named)
    )
    count = session.scalar(select(func.count()).select_from(holders.subquery())) or 0
    first = session.execute(
        holders.order_by(Member.user_name_key, Member.id).limit(NAMED_RELEASES)
    ).all()
    return Releases(count, [display or user for display, user in first])


def _check_days(days: int | None) -> None:
    if days is None:
        return
    if isinstance(days, bool) or not isinstance(days, int):
        raise InvalidPolicy("reclaim_after_days must be a whole number of days, or null.")
    if not MIN_RECLAIM_DAYS <= days <= MAX_RECLAIM_DAYS:
        raise InvalidPolicy(
            f"reclaim_after_days must be between {MIN_RECLAIM_DAYS} and {MAX_RECLAIM_DAYS}, "
            f"not {days}."
        )


def parse_groups(names: list[str], *, what: str) -> dict[str, str]:
    """Return the group names by their comparison key, checked as a group displayName is.

    :raises InvalidPolicy: naming the first name no group could have.
    """
    if not isinstance(names, list):
        raise InvalidPolicy(f"{what} must be a list of group names.")
    if len(names) > MAX_GROUPS:
        raise InvalidPolicy(f"{what} may name at most {MAX_GROUPS} groups, not {len(names)}.")
    keyed: dict[str, str] = {}
    for name in names:
        if not isinstance(name, str):
            raise InvalidPolicy(f"{what} must be a list of group names.")
        if len(name) > 256:
            raise InvalidPolicy(f"A group name in {what} is longer than 256 characters.")
        try:
            check_text(name, what=f"a group name in {what}")
        except InvalidText as error:
            raise InvalidPolicy(str(error)) from None
        if not name.strip() or name != name.strip():
            raise InvalidPolicy(f"A group name in {what} is empty or begins or ends with a space.")
        # Compared as a group's displayName is; a name no group can have matches none.
        keyed.setdefault(fold(name), name)
    return keyed


def _replace_groups(session: Session, organization_id: int, kind: str, names: list[str]) -> None:
    keyed = parse_groups(names, what=f"{kind}_groups")
    session.execute(
        delete(PolicyGroup).where(
            PolicyGroup.organization_id == organization_id, PolicyGroup.kind == kind
        )
    )
    if keyed:
        session.execute(
            insert(PolicyGroup),
            [
                {
                    "organization_id": organization_id,
                    "kind": kind,
                    "display_name_key": key,
                    "display_name": name,
                }
                for key, name in keyed.items()
            ],
        )
