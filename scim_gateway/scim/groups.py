"""/Groups: groups of the organization's users; under licensed groups, membership holds seats.

The views are scim/views.py's; what is a group's own is here: its members, kept in a
table of their own.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import select
from sqlalchemy.orm import Session

from seat_core.licensing import set_group_members
from seat_core.models import GroupMembership, Member, ScimGroup, new_id

from .auth import base_url, organization_id
from .errors import invalid_value
from .mapping import GROUP_ATTRIBUTES, GROUP_SORTS
from .resources import GroupResource, group_resource, written_group
from .storage import member_ids, write_group
from .views import Commit, ResourceType, bump, serve

# The members each group shows, by group id; a group without an entry shows none.
Extras = dict[str, list[Member]]


class Groups(ResourceType):
    """SCIM Groups of the organization's users."""

    endpoint = "Groups"
    noun = "group"
    model = GroupResource
    row = ScimGroup
    key = "display_name_key"
    duplicate = _l("A group with that displayName exists.")
    attributes = GROUP_ATTRIBUTES
    sorts = GROUP_SORTS

    def clash(self, row: ScimGroup) -> str:
        return _("A group named %(name)s exists.", name=repr(row.display_name))

    def extras(self, session: Session, rows: list[ScimGroup], parameters: Any) -> Extras:
        """Load each group's members, unless the response leaves them out."""
        if parameters is not None and not _wants_members(parameters):
            return {}
        return {row.id: _load_members(session, row) for row in rows}

    def build(self, rows: list[ScimGroup], extras: Extras) -> list[Any]:
        root = base_url()
        return [group_resource(row, base_url=root, members=extras.get(row.id)) for row in rows]

    def written(self, resource: Any, row: ScimGroup, extras: Extras) -> Any:
        return written_group(resource, row, base_url=base_url(), members=extras[row.id])

    def new_row(self, resource: Any, at: datetime) -> ScimGroup:
        row = ScimGroup(
            id=new_id(), organization_id=organization_id(), version=1, created_at=at, updated_at=at
        )
        write_group(row, resource)
        return row

    def add(self, session: Session, row: ScimGroup, resource: Any, at: datetime) -> Extras:
        members = _members(session, row, member_ids(resource))
        session.add(row)
        session.flush()
        set_group_members(session, row, [member.id for member in members], at=at)
        return {row.id: members}

    def apply(
        self, session: Session, row: ScimGroup, updated: Any, extras: Extras, at: datetime
    ) -> tuple[Extras, Commit]:
        members = _members(session, row, member_ids(updated))
        old_key = row.display_name_key
        write_group(row, updated)

        def commit() -> None:
            bump(row, at)
            session.flush()
            # A renamed group may start or stop being licensed for all its members.
            renamed = row.display_name_key != old_key
            wanted = [member.id for member in members]
            set_group_members(session, row, wanted, at=at, renamed=renamed)

        return {row.id: members}, commit

    def remove(self, session: Session, row: ScimGroup, at: datetime) -> None:
        set_group_members(session, row, [], at=at)


GROUPS = Groups()


def _members(session: Session, row: ScimGroup, wanted: list[str]) -> list[Member]:
    """Return the wanted users of the group's organization, in the order a Group lists them.

    :raises SCIMException: invalidValue naming an id that is no user of the organization.
    """
    members = list(
        session.scalars(
            select(Member)
            .where(Member.organization_id == row.organization_id, Member.id.in_(wanted))
            .order_by(Member.user_name_key)
            # A user deleted while it joins would fail the membership's foreign key at
            # COMMIT on PostgreSQL; FOR KEY SHARE makes the delete wait, or this see it gone.
            # SQLite's BEGIN IMMEDIATE serializes writers already.
            .with_for_update(read=True, key_share=True)
        )
    )
    known = {member.id for member in members}
    unknown = [member_id for member_id in wanted if member_id not in known]
    if unknown:
        raise invalid_value(_("No user with id %(id)s in this organization.", id=repr(unknown[0])))
    return members


def resource_of(session: Session, row: ScimGroup) -> Any:
    """Return the SCIM Group of a row, with its members."""
    return GROUPS.build([row], {row.id: _load_members(session, row)})[0]


def _wants_members(parameters: Any) -> bool:
    """Tell whether the response shows members; Entra reads groups without them."""
    excluded = {str(path).lower() for path in parameters.excluded_attributes or []}
    return "members" not in excluded


def _load_members(session: Session, row: ScimGroup) -> list[Member]:
    """Return the group's members, ordered as a Group lists them."""
    return list(
        session.scalars(
            select(Member)
            .join(GroupMembership, GroupMembership.member_id == Member.id)
            .where(GroupMembership.group_id == row.id)
            .order_by(Member.user_name_key)
        )
    )


serve(GROUPS)
