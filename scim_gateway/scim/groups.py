"""/Groups: groups of the organization's users; membership never takes or frees a seat."""

from __future__ import annotations

from typing import Any

from flask import Response
from scim2_models import Context, PatchOp
from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from seat_core.models import GroupMembership, Member, ScimGroup, new_id

from ..clock import now
from ..db import read_only, transaction
from .auth import base_url, organization_id
from .errors import invalid_value, scim_response
from .mapping import GROUP_ATTRIBUTES, GROUP_SORTS
from .policy import POLICY, check_patch
from .queries import (
    body,
    check_if_match,
    list_response,
    not_modified,
    page,
    parametrized,
    response_parameters,
)
from .resources import GroupResource, etag, group_resource, member_ids, write_group
from .routes import add_resource_routes
from .store import ensure_unique, find, unique


def search_groups(search: Any) -> Response:
    """List or filter groups, a page at a time (RFC 7644 §3.4.2)."""
    with read_only() as session:
        query = select(ScimGroup).where(ScimGroup.organization_id == organization_id())
        total, rows = page(
            session,
            search,
            query,
            model=GroupResource,
            attributes=GROUP_ATTRIBUTES,
            sorts=GROUP_SORTS,
            tiebreak=(ScimGroup.created_at, ScimGroup.id),
        )
        members = _wants_members(search)
        resources = [_resource(session, row, with_members=members) for row in rows]
    return scim_response(list_response(GroupResource, search, total, resources))


def get_group(group_id: str) -> Response:
    """Return one group, or 304 when the client holds its version."""
    parameters = response_parameters(GroupResource)
    with read_only() as session:
        row = _find(session, group_id)
        if not_modified(etag(row.version)):
            return Response(status=304, headers={"ETag": etag(row.version)})
        resource = _resource(session, row, with_members=_wants_members(parameters))
    return _respond(resource, 200, parameters)


def create_group() -> Response:
    """Create a group with the users it lists."""
    resource = GroupResource.model_validate(
        body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    at = now()
    row = ScimGroup(
        id=new_id(), organization_id=organization_id(), version=1, created_at=at, updated_at=at
    )
    write_group(row, resource)
    with _unique(), transaction() as session:
        _ensure_unique(session, row)
        members = _members(session, row, member_ids(resource))
        session.add(row)
        session.flush()
        _set_members(session, row, [member.id for member in members])
        created = group_resource(row, base_url=base_url(), members=members)
    return _respond(created, 201, response_parameters(GroupResource))


def replace_group(group_id: str) -> Response:
    """Replace a group (PUT), its members included."""
    resource = GroupResource.model_validate(
        body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
    )

    def apply(current: Any) -> Any:
        resource.replace(current)
        return resource

    return _change(group_id, apply)


def patch_group(group_id: str) -> Response:
    """Patch a group (RFC 7644 §3.5.2), adding or removing members."""
    patch = parametrized(PatchOp, GroupResource).model_validate(
        body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    check_patch(patch, GroupResource)

    def apply(current: Any) -> Any:
        patch.patch(current, scim_policy=POLICY)
        return current

    return _change(group_id, apply)


def delete_group(group_id: str) -> Response:
    """Delete a group; its members stay."""
    with transaction() as session:
        row = _find(session, group_id, lock=True)
        check_if_match(etag(row.version))
        session.execute(delete(GroupMembership).where(GroupMembership.group_id == row.id))
        session.delete(row)
    return Response(status=204)


def _change(group_id: str, change: Any) -> Response:
    """Apply a PUT or PATCH; bump the version only if what a client reads changed."""
    at = now()
    with _unique(), transaction() as session:
        row = _find(session, group_id, lock=True)
        check_if_match(etag(row.version))
        current = _resource(session, row, with_members=True)
        before = _shown(current)
        updated = change(current)
        members = _members(session, row, member_ids(updated))
        old_key = row.display_name_key
        write_group(row, updated)
        changed = group_resource(row, base_url=base_url(), members=members)
        if _shown(changed) != before:
            if row.display_name_key != old_key:
                _ensure_unique(session, row)
            row.version += 1
            row.updated_at = at
            changed.meta.version = etag(row.version)
            changed.meta.last_modified = at
            session.flush()
            _set_members(session, row, [member.id for member in members])
    return _respond(changed, 200, response_parameters(GroupResource))


def _shown(resource: Any) -> dict[str, Any]:
    """Return what a client reads of a Group, but its meta."""
    payload: dict[str, Any] = resource.model_dump(
        scim_ctx=Context.RESOURCE_QUERY_RESPONSE, scim_policy=POLICY
    )
    payload.pop("meta", None)
    return payload


def _find(session: Session, group_id: str, *, lock: bool = False) -> ScimGroup:
    return find(session, ScimGroup, group_id, noun="group", lock=lock)


def _ensure_unique(session: Session, row: ScimGroup) -> None:
    ensure_unique(
        session, ScimGroup.display_name_key, row, f"A group named {row.display_name!r} exists."
    )


def _unique() -> Any:
    return unique(ScimGroup.display_name_key, "A group with that displayName exists.")


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
        raise invalid_value(f"No user with id {unknown[0]!r} in this organization.")
    return members


def _set_members(session: Session, row: ScimGroup, wanted: list[str]) -> None:
    """Make the group's members exactly the wanted users, already checked by _members."""
    current = set(
        session.scalars(select(GroupMembership.member_id).where(GroupMembership.group_id == row.id))
    )
    removed = current - set(wanted)
    added = [member_id for member_id in wanted if member_id not in current]
    if removed:
        session.execute(
            delete(GroupMembership).where(
                GroupMembership.group_id == row.id, GroupMembership.member_id.in_(removed)
            )
        )
    if added:
        session.execute(
            insert(GroupMembership),
            [{"group_id": row.id, "member_id": member_id} for member_id in added],
        )


def resource_of(session: Session, row: ScimGroup) -> Any:
    """Return the SCIM Group of a row, with its members."""
    return _resource(session, row, with_members=True)


def _wants_members(parameters: Any) -> bool:
    """Tell whether the response shows members; Entra reads groups without them."""
    excluded = {str(path).lower() for path in parameters.excluded_attributes or []}
    return "members" not in excluded


def _resource(session: Session, row: ScimGroup, *, with_members: bool) -> Any:
    members = None
    if with_members:
        members = session.scalars(
            select(Member)
            .join(GroupMembership, GroupMembership.member_id == Member.id)
            .where(GroupMembership.group_id == row.id)
            .order_by(Member.user_name_key)
        )
    return group_resource(row, base_url=base_url(), members=members)


def _respond(resource: Any, status: int, parameters: Any) -> Response:
    context = (
        Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
    )
    payload = resource.model_dump(
        scim_ctx=context, response_parameters=parameters, scim_policy=POLICY
    )
    headers = {"ETag": resource.meta.version, "Location": resource.meta.location}
    return scim_response(payload, status, headers)


add_resource_routes(
    "Groups",
    GroupResource,
    search=search_groups,
    create=create_group,
    item={"GET": get_group, "PUT": replace_group, "PATCH": patch_group, "DELETE": delete_group},
)
