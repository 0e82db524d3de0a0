"""/Users: provisioning gated by seats (RFC 7644 §3; docs/rules.md, Seats)."""

from __future__ import annotations

from typing import Any

from flask import Response
from scim2_models import (
    Context,
    PatchOp,
)
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from seat_core import add_member, new_member, release_seat, take_seat
from seat_core.models import GroupMembership, Member, ScimGroup, Seat

from ..clock import now
from ..db import read_only, transaction
from .auth import base_url, organization_id
from .errors import CONTENT_TYPE, scim_response
from .mapping import USER_ATTRIBUTES, USER_SORTS
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
from .resources import (
    UserResource,
    echo_seat_extension,
    etag,
    list_written_seat_extension,
    user_resource,
    write_user,
)
from .routes import add_resource_routes
from .store import ensure_unique, find, unique

DUPLICATE = "A user with that userName exists."


def search_users(search: Any) -> Response:
    """List or filter users, a page at a time (RFC 7644 §3.4.2)."""
    with read_only() as session:
        query = select(Member).where(Member.organization_id == organization_id())
        total, members = page(
            session,
            search,
            query,
            model=UserResource,
            attributes=USER_ATTRIBUTES,
            sorts=USER_SORTS,
            tiebreak=(Member.created_at, Member.id),
        )
        resources = resources_of(session, members)
    return scim_response(list_response(UserResource, search, total, resources))


def get_user(user_id: str) -> Response:
    """Return one user, or 304 when the client holds its version."""
    with read_only() as session:
        member = _find(session, user_id)
        if not_modified(etag(member.version)):
            return Response(status=304, headers={"ETag": etag(member.version)})
        resource = _resource(session, member)
    return _respond(resource, 200, response_parameters(UserResource), member)


def create_user() -> Response:
    """Create a user; one created active takes a seat or is refused with 403."""
    resource = UserResource.model_validate(
        body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    at = now()
    # docs/rules.md, Seats: a user created active, or with no "active" at all, takes a seat.
    wants_active = resource.active is not False
    member = new_member(organization_id(), source="scim", at=at)
    resource.active = wants_active
    write_user(member, resource)
    with _unique(), transaction() as session:
        _ensure_unique(session, member)
        # Not flushed before the take: on PostgreSQL the INSERT joins the take's statement.
        add_member(session, member, at=at, active=wants_active)
    # Built after commit, from what is known: a new user has no groups yet, and its seat
    # (if any) was taken now. The seat's lock is not held while the response is made.
    extras: Extras = ({member.id: at} if wants_active else {}, {})
    created = _build([member], extras)[0]
    return _respond(created, 201, response_parameters(UserResource), member)


def replace_user(user_id: str) -> Response:
    """Replace a user (PUT); turning "active" on or off takes or releases its seat."""
    resource = UserResource.model_validate(
        body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
    )

    def apply(current: Any) -> Any:
        # A PUT without "active" leaves it as it is rather than deactivating the user.
        if resource.active is None:
            resource.active = current.active
        resource.replace(current)
        return resource

    return _change(user_id, apply)


def patch_user(user_id: str) -> Response:
    """Patch a user (RFC 7644 §3.5.2); turning "active" on or off takes or releases its seat."""
    patch = parametrized(PatchOp, UserResource).model_validate(
        body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    check_patch(patch, UserResource)

    def apply(current: Any) -> Any:
        patch.patch(current, scim_policy=POLICY)
        list_written_seat_extension(current, patch)
        return current

    return _change(user_id, apply)


def delete_user(user_id: str) -> Response:
    """Delete a user, releasing its seat and leaving its groups."""
    at = now()
    with transaction() as session:
        member = _find(session, user_id, lock=True)
        check_if_match(etag(member.version))
        # Releasing is never refused; the seat is free the moment this commits.
        release_seat(session, member, at=at)
        group_ids = select(GroupMembership.group_id).where(GroupMembership.member_id == member.id)
        session.execute(
            update(ScimGroup)
            .where(ScimGroup.id.in_(group_ids))
            .values(version=ScimGroup.version + 1, updated_at=at)
        )
        session.delete(member)
    return Response(status=204)


def _change(user_id: str, change: Any) -> Response:
    """Apply a PUT or PATCH, then take or release the seat if "active" changed.

    A change that leaves what a client reads as it was keeps the version, so that other
    clients' If-Match still holds (RFC 7644 §3.14); any other change bumps it.
    """
    at = now()
    with _unique(), transaction() as session:
        member = _find(session, user_id, lock=True)
        check_if_match(etag(member.version))
        # Read before anything is written, so that no query follows the guarded UPDATE.
        seats, groups = _extras(session, [member])
        current = _build([member], (seats, groups))[0]
        before = _shown(current, member)
        was_active = member.active
        updated = change(current)
        # Only true activates: a PATCH that removes "active" deactivates the user.
        wants_active = updated.active is True
        old_key = member.user_name_key
        write_user(member, updated)
        # Written with the other changes; taking or releasing the seat sets it too.
        member.active = wants_active
        if wants_active and not was_active:
            seats[member.id] = at
        elif was_active and not wants_active:
            seats.pop(member.id, None)
        changed = _build([member], (seats, groups))[0]
        if _shown(changed, member) != before:
            if member.user_name_key != old_key:
                _ensure_unique(session, member)
            # Taking or releasing the seat gives the member its new version itself.
            if wants_active and not was_active:
                take_seat(session, member, at=at)
            elif was_active and not wants_active:
                release_seat(session, member, at=at)
            else:
                member.version += 1
                member.updated_at = at
            changed.meta.version = etag(member.version)
            changed.meta.last_modified = at
    return _respond(changed, 200, response_parameters(UserResource), member)


def _shown(resource: Any, member: Member) -> dict[str, Any]:
    """Return what a client reads of a User, but its meta."""
    payload = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, scim_policy=POLICY)
    payload = echo_seat_extension(payload, member)
    payload.pop("meta", None)
    return payload


def _find(session: Session, user_id: str, *, lock: bool = False) -> Member:
    return find(session, Member, user_id, noun="user", lock=lock)


def _ensure_unique(session: Session, member: Member) -> None:
    ensure_unique(
        session, Member.user_name_key, member, f"A user with userName {member.user_name!r} exists."
    )


def _unique() -> Any:
    return unique(Member.user_name_key, DUPLICATE)


def _resource(session: Session, member: Member) -> Any:
    return resources_of(session, [member])[0]


def resources_of(session: Session, members: list[Member]) -> list[Any]:
    """Return the SCIM Users of members, loading seats and groups in one query each."""
    return _build(members, _extras(session, members))


Extras = tuple[dict[str, Any], dict[str, list[ScimGroup]]]


def _extras(session: Session, members: list[Member]) -> Extras:
    """Load what a User shows besides its row: the seat and the groups of each member."""
    if not members:
        return {}, {}
    ids = [member.id for member in members]
    seats = dict(
        session.execute(select(Seat.member_id, Seat.taken_at).where(Seat.member_id.in_(ids))).all()
    )
    groups: dict[str, list[ScimGroup]] = {}
    for member_id, group in session.execute(
        select(GroupMembership.member_id, ScimGroup)
        .join(ScimGroup, GroupMembership.group_id == ScimGroup.id)
        .where(GroupMembership.member_id.in_(ids))
        .order_by(ScimGroup.display_name_key)
    ):
        groups.setdefault(member_id, []).append(group)
    return seats, groups


def _build(members: list[Member], extras: Extras) -> list[Any]:
    """Build Users from loaded rows; needs no session, so writers run it after commit."""
    seats, groups = extras
    root = base_url()
    return [
        user_resource(
            member, base_url=root, taken_at=seats.get(member.id), groups=groups.get(member.id, ())
        )
        for member in members
    ]


def _respond(resource: Any, status: int, parameters: Any, member: Member) -> Response:
    context = (
        Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
    )
    payload = resource.model_dump(
        scim_ctx=context, response_parameters=parameters, scim_policy=POLICY
    )
    if not parameters.attributes:
        payload = echo_seat_extension(payload, member)
    headers = {"ETag": resource.meta.version, "Location": resource.meta.location}
    response = scim_response(payload, status, headers)
    response.content_type = CONTENT_TYPE
    return response


add_resource_routes(
    "Users",
    UserResource,
    search=search_users,
    create=create_user,
    item={"GET": get_user, "PUT": replace_user, "PATCH": patch_user, "DELETE": delete_user},
)
