"""/Users: provisioning gated by seats (RFC 7644 §3; docs/rules.md, Seats).

The views are scim/views.py's; what is a user's own is here: the seat a user takes when
it becomes active and releases when it stops, and the seat extension it shows.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import bindparam, select, update
from sqlalchemy.orm import Session

from seat_core import (
    add_member,
    create_member,
    create_member_alone,
    creates_alone,
    deactivate_member,
    new_member,
    record_update,
    remove_member,
    renew_lapsed,
    take_seat,
)
from seat_core.licensing import activate, licensed
from seat_core.models import GroupMembership, Member, ScimGroup, Seat

from ..db import write_connection, write_engine, write_statement
from .auth import base_url, organization_id
from .lookup import lookup
from .mapping import USER_ATTRIBUTES, USER_SORTS
from .projection import shown_user
from .resources import UserResource, echo_seat_extension, user_resource, written_user
from .storage import list_written_seat_extension, write_user
from .views import Commit, ResourceType, bump, plain, serve

# Each member's seat (when it took it) and groups (rows with the group's id and display_name).
Extras = tuple[dict[str, Any], dict[str, list[Any]]]

# Built once: only the ids change from one request to the next, and building a statement
# costs more than SQLAlchemy's cached compilation of it.
_IDS = bindparam("ids", expanding=True)
_SEATS = select(Seat.member_id, Seat.taken_at).where(Seat.member_id.in_(_IDS))
_GROUPS = (
    select(GroupMembership.member_id, ScimGroup.id, ScimGroup.display_name)
    .join(ScimGroup, GroupMembership.group_id == ScimGroup.id)
    .where(GroupMembership.member_id.in_(_IDS))
    .order_by(ScimGroup.display_name_key)
)


class Users(ResourceType):
    """SCIM Users, the organization's members; "active" is whether one holds a seat."""

    endpoint = "Users"
    noun = "user"
    model = UserResource
    row = Member
    key = "user_name_key"
    duplicate = _l("A user with that userName exists.")
    attributes = USER_ATTRIBUTES
    sorts = USER_SORTS
    # seat_core.add_member writes the member before or with its seat: a duplicate
    # userName is 409 uniqueness, never 403, without a query asking first.
    written_first = True

    def clash(self, row: Member) -> str:
        return _("A user with userName %(name)s exists.", name=repr(row.user_name))

    def extras(self, session: Session, rows: list[Member], parameters: Any) -> Extras:
        """Load each member's groups, and its seat unless the read cannot show it."""
        # The seat extension is returned on request only: a read naming no attributes
        # never shows it (writes pass no parameters, and get the seats).
        return _extras(session, rows, seats=parameters is None or not plain(parameters))

    def build(self, rows: list[Member], extras: Extras) -> list[Any]:
        seats, groups = extras
        root = base_url()
        return [
            user_resource(
                member,
                base_url=root,
                taken_at=seats.get(member.id),
                groups=groups.get(member.id, ()),
            )
            for member in rows
        ]

    def show(self, rows: list[Member], extras: Extras) -> list[dict[str, Any]]:
        # Straight from the stored JSON: see projection.py for why it equals the dump.
        _taken, groups = extras
        root = base_url()
        return [shown_user(m, base_url=root, groups=groups.get(m.id, ())) for m in rows]

    def written(self, resource: Any, row: Member, extras: Extras) -> Any:
        seats, groups = extras
        return written_user(
            resource,
            row,
            base_url=base_url(),
            taken_at=seats.get(row.id),
            groups=groups.get(row.id, ()),
        )

    def new_row(self, resource: Any, at: datetime) -> Member:
        # docs/rules.md, Seats: a user created active, or with no "active" at all, takes a seat.
        resource.active = resource.active is not False
        member = new_member(organization_id(), source="scim", at=at)
        write_user(member, resource)
        return member

    def add_directly(self, row: Member, resource: Any, at: datetime) -> Extras | None:
        # The commonest cases, on PostgreSQL: one statement in autocommit, a round trip.
        if creates_alone(write_engine(), row.organization_id, active=resource.active):
            with write_statement() as connection:
                alone = create_member_alone(connection, row, at=at, active=resource.active)
            if alone is not None:
                return ({row.id: at} if alone else {}, {})
        # The common case, by prepared statements on a bare connection; the rare ones (no
        # seat free, a term to renew) roll back and go through add() in a session.
        with write_connection() as connection:
            taken = create_member(connection, row, at=at, active=resource.active)
            if taken is None:
                connection.rollback()
                return None
        return ({row.id: at} if taken else {}, {})

    def add(self, session: Session, row: Member, resource: Any, at: datetime) -> Extras:
        if resource.active:
            # The fast path declined: perhaps a term to renew, before the member is added.
            renew_lapsed(session, row.organization_id, at=at)
        # Not flushed before the take: on PostgreSQL the INSERT joins the take's statement.
        taken = add_member(session, row, at=at, active=resource.active)
        # A new user has no groups yet, and its seat (if any) was taken now.
        return ({row.id: at} if taken else {}, {})

    def apply(
        self, session: Session, row: Member, updated: Any, extras: Extras, at: datetime
    ) -> tuple[Extras, Commit]:
        seats, groups = extras
        was_active = row.active
        # Only true activates: a PATCH that removes "active" deactivates the user.
        wants_active = updated.active is True
        write_user(row, updated)
        activating = wants_active and not was_active
        # Under licensed groups an activation may hold no seat: it is decided now (a
        # change of "active" is always written), so that the response tells the truth.
        decided = activating and licensed(session, row.organization_id)
        if decided:
            bump(row, at)
            if activate(session, row, at=at):
                seats[row.id] = at
        # Written with the other changes; taking or releasing the seat sets it too.
        row.active = wants_active
        if activating and not decided:
            seats[row.id] = at
        elif was_active and not wants_active:
            seats.pop(row.id, None)

        def commit() -> None:
            # Taking or releasing the seat gives the member its new version itself.
            if activating and not decided:
                renew_lapsed(session, row.organization_id, at=at)
                take_seat(session, row, at=at)
                record_update(session, row, at=at, active=True)
            elif was_active and not wants_active:
                deactivate_member(session, row, at=at)
            elif decided:
                record_update(session, row, at=at, active=True)
            else:
                bump(row, at)
                record_update(session, row, at=at)

        return (seats, groups), commit

    def remove(self, session: Session, row: Member, at: datetime) -> None:
        # Releasing is never refused; the seat is free the moment this commits.
        remove_member(session, row, at=at)
        group_ids = select(GroupMembership.group_id).where(GroupMembership.member_id == row.id)
        session.execute(
            update(ScimGroup)
            .where(ScimGroup.id.in_(group_ids))
            .values(version=ScimGroup.version + 1, updated_at=at)
        )

    def replaced(self, resource: Any, current: Any) -> None:
        # A PUT without "active" leaves it as it is rather than deactivating the user.
        if resource.active is None:
            resource.active = current.active

    def patched(self, resource: Any, operations: Any) -> None:
        list_written_seat_extension(resource, operations)

    def finish(self, payload: dict[str, Any], row: Member) -> dict[str, Any]:
        return echo_seat_extension(payload, row)

    def lookup(self) -> dict[str, Any] | None:
        # userName and externalId lookups by prebuilt statements (lookup.py).
        return lookup(organization_id(), base_url())


USERS = Users()


def resources_of(session: Session, members: list[Member]) -> list[Any]:
    """Return the SCIM Users of members, loading seats and groups in one query each."""
    return USERS.build(members, _extras(session, members))


def _extras(session: Session, members: list[Member], *, seats: bool = True) -> Extras:
    """Load what a User shows besides its row: the seat and the groups of each member."""
    if not members:
        return {}, {}
    ids = {"ids": [member.id for member in members]}
    taken = dict(session.execute(_SEATS, ids).all()) if seats else {}
    groups: dict[str, list[Any]] = {}
    # Columns, not ORM entities: the groups are only read, and loading entities into the
    # session costs several times the query.
    for row in session.execute(_GROUPS, ids):
        groups.setdefault(row.member_id, []).append(row)
    return taken, groups


serve(USERS)
