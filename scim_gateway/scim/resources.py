"""Rows and SCIM resources: the scim2-models types served, and the mapping both ways."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import ValidationInfo, field_validator, model_validator
from scim2_models import (
    URN,
    Email,
    EnterpriseUser,
    Extension,
    Group,
    GroupMember,
    GroupMembership,
    Meta,
    Mutability,
    Returned,
    User,
)
from scim2_models.policy import _policy

from seat_core.models import Member, ScimGroup

from .policy import POLICY, comparison_key

SEAT_SCHEMA = "urn:ietf:params:scim:schemas:extension:seatgateway:2.0:User"


class SeatExtension(Extension):
    """Whether the user holds one of the organization's paid seats; set by the gateway.

    Its attributes are returned on request (`attributes=urn:...:seatgateway:2.0:User`),
    so that what a client wrote is what it reads back by default (RFC 7644 §3.9).
    """

    __schema__ = URN(SEAT_SCHEMA)

    holds_seat: Annotated[bool | None, Mutability.read_only, Returned.request] = None
    """True while the user holds a seat; a user holds a seat iff it is active."""

    seat_taken_at: Annotated[datetime | None, Mutability.read_only, Returned.request] = None
    """When the user took the seat it holds."""


class UserEmail(Email):
    """An email of a User, its value checked by seat_core.email_key alone.

    scim2-models types the value as pydantic's EmailStr, whose email-validator refuses the
    special-use domains directories hold (okta.local, corp.local, acme.test) and would
    check stored users again on every read: a member an SSO sign-in created would then
    fail the whole /Users list. write_user checks each value with the gateway's one rule.
    """

    value: str | None = None


class GatewayUser(User[EnterpriseUser | SeatExtension]):
    """The SCIM User served: scim2-models' own, but for how emails are checked."""

    emails: list[UserEmail] | None = None

    @field_validator("active", mode="before")
    @classmethod
    def _read_active(cls, value: Any) -> Any:
        """Take a JSON boolean, or the "True"/"False" strings Entra sends; nothing else.

        pydantic would read "yes", "on" and 1 as true, and a create with them takes a seat.
        """
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false"):
            return value.lower() == "true"
        raise ValueError('active must be true or false (or the string "True" or "False")')

    @model_validator(mode="after")
    def _validate_comparison_forms(self, info: ValidationInfo) -> Self:
        """Skip the check that each written string can be compared when none can fail."""
        # scim2-models walks every string attribute of a created or replaced User (~1.6 ms,
        # a third of a create) to see whether the policy's comparison_key refuses one. The
        # gateway's (policy.comparison_key: NFKC and casefold) takes every string, so under
        # it the walk cannot refuse anything; under any other key it still runs.
        if _policy(info).comparison_key is comparison_key:
            return self
        checked: Self = User._validate_comparison_forms(self, info)  # type: ignore[operator]
        return checked


UserResource = GatewayUser
GroupResource = Group


def extension_field(extension: type[Extension]) -> str:
    """Return the field of a resource that holds an extension: what resource[extension] reads.

    scim2-models names it after the extension's class; its resource[extension] finds it by
    parsing the URN as a path on every call (~100 µs a write, for two extensions).
    tests/unit/test_projection.py checks both agree for every extension served.
    """
    return extension.__name__


def etag(version: int) -> str:
    """Return the weak entity tag of a resource version (RFC 7644 §3.14)."""
    return f'W/"{version}"'


def location(base_url: str, endpoint: str, resource_id: str) -> str:
    """Return the URL of a resource."""
    return f"{base_url}/{endpoint}/{resource_id}"


def user_resource(
    member: Member,
    *,
    base_url: str,
    taken_at: datetime | None,
    groups: Iterable[ScimGroup] = (),
) -> Any:
    """Build the SCIM User of a member: its stored JSON, overlaid with its columns."""
    resource = UserResource.model_validate(overlaid_user(member), scim_policy=POLICY)
    return dress_user(resource, member, base_url=base_url, taken_at=taken_at, groups=groups)


def overlaid_user(member: Member) -> dict[str, Any]:
    """Return the member's stored User JSON overlaid with its columns, without id or meta."""
    data: dict[str, Any] = {
        key: value
        for key, value in (member.scim or {}).items()
        if key not in ("id", "meta", "groups", SEAT_SCHEMA)
    }
    data["userName"] = member.user_name
    # The column is the truth; a user whose "active" a client removed shows none.
    if "active" in data or member.active or not member.scim:
        data["active"] = member.active
    if member.external_id is not None:
        data["externalId"] = member.external_id
    if member.display_name and not data.get("displayName"):
        data["displayName"] = member.display_name
    if member.email and not data.get("emails"):
        data["emails"] = [{"value": member.email, "primary": True}]
    return data


def written_user(
    resource: Any,
    member: Member,
    *,
    base_url: str,
    taken_at: datetime | None,
    groups: Iterable[ScimGroup] = (),
) -> Any:
    """Build the SCIM User just written onto member from the resource validated for it.

    write_user left in the resource what it stored; validating the stored JSON again
    would only give it back, at the cost of a validation.
    """
    resource.schemas = list(member.scim["schemas"])
    return dress_user(resource, member, base_url=base_url, taken_at=taken_at, groups=groups)


def dress_user(
    resource: Any,
    member: Member,
    *,
    base_url: str,
    taken_at: datetime | None,
    groups: Iterable[ScimGroup],
) -> Any:
    """Give a User what the gateway sets on it: id, meta, its seat and its groups."""
    resource.id = member.id
    resource.meta = Meta(
        resource_type="User",
        created=member.created_at,
        last_modified=member.updated_at,
        location=location(base_url, "Users", member.id),
        version=etag(member.version),
    )
    setattr(
        resource,
        extension_field(SeatExtension),
        SeatExtension(holds_seat=taken_at is not None, seat_taken_at=taken_at),
    )
    resource.groups = [
        GroupMembership(
            value=group.id,
            display=group.display_name,
            ref=location(base_url, "Groups", group.id),
            type="direct",
        )
        for group in groups
    ] or None
    return resource


def echo_seat_extension(payload: dict[str, Any], member: Member) -> dict[str, Any]:
    """Show the seat extension a client wrote, even empty, as it wrote it.

    scim2-models leaves an extension with nothing to show out of a dump; a client that
    added the (readOnly) extension would then read back something else than it wrote.
    """
    if SEAT_SCHEMA in (member.scim or {}).get("schemas", []) and SEAT_SCHEMA not in payload:
        payload[SEAT_SCHEMA] = {}
        payload["schemas"] = [*payload.get("schemas", []), SEAT_SCHEMA]
    return payload


def group_resource(
    group: ScimGroup, *, base_url: str, members: Iterable[Member] | None = None
) -> Any:
    """Build the SCIM Group of a row, with its members when they were loaded."""
    data = {
        key: value
        for key, value in (group.scim or {}).items()
        if key not in ("id", "meta", "members")
    }
    data["displayName"] = group.display_name
    if group.external_id is not None:
        data["externalId"] = group.external_id
    resource = GroupResource.model_validate(data, scim_policy=POLICY)
    return dress_group(resource, group, base_url=base_url, members=members)


def written_group(
    resource: Any, group: ScimGroup, *, base_url: str, members: Iterable[Member]
) -> Any:
    """Build the SCIM Group just written onto its row from the resource validated for it."""
    resource.schemas = list(group.scim["schemas"])
    return dress_group(resource, group, base_url=base_url, members=members)


def dress_group(
    resource: Any, group: ScimGroup, *, base_url: str, members: Iterable[Member] | None
) -> Any:
    """Give a Group what the gateway sets on it: id, meta and, when loaded, its members."""
    labels = {entry["value"]: entry["display"] for entry in (group.scim or {}).get("members", [])}
    resource.id = group.id
    resource.meta = Meta(
        resource_type="Group",
        created=group.created_at,
        last_modified=group.updated_at,
        location=location(base_url, "Groups", group.id),
        version=etag(group.version),
    )
    if members is not None:
        resource.members = [
            GroupMember(
                value=member.id,
                ref=location(base_url, "Users", member.id),
                type="User",
                display=labels.get(member.id) or member.display_name or member.user_name,
            )
            for member in members
        ] or None
    return resource
