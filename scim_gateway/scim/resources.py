"""Rows and SCIM resources: the scim2-models types served, and the mapping both ways."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Annotated, Any

from scim2_models import (
    URN,
    Context,
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

from seat_core import InvalidIdentity, email_key, identity_key
from seat_core.models import Member, ScimGroup

from .errors import invalid_value
from .policy import POLICY

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


UserResource = GatewayUser
GroupResource = Group

# Column widths of the member and group tables; longer values are refused, not cut.
LIMITS = {"userName": 256, "externalId": 256, "displayName": 256, "emails.value": 320}


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
    resource = UserResource.model_validate(data, scim_policy=POLICY)
    resource.id = member.id
    resource.meta = Meta(
        resource_type="User",
        created=member.created_at,
        last_modified=member.updated_at,
        location=location(base_url, "Users", member.id),
        version=etag(member.version),
    )
    resource[SeatExtension] = SeatExtension(holds_seat=taken_at is not None, seat_taken_at=taken_at)
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


def stored_user(resource: Any) -> dict[str, Any]:
    """Return what is kept of a User: the attributes the client may write, no password."""
    schemas = _known_schemas(resource)
    resource.password = None
    resource.groups = None
    resource[SeatExtension] = None
    payload = resource.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY)
    payload["schemas"] = schemas
    return payload


def echo_seat_extension(payload: dict[str, Any], member: Member) -> dict[str, Any]:
    """Show the seat extension a client wrote, even empty, as it wrote it.

    scim2-models leaves an extension with nothing to show out of a dump; a client that
    added the (readOnly) extension would then read back something else than it wrote.
    """
    if SEAT_SCHEMA in (member.scim or {}).get("schemas", []) and SEAT_SCHEMA not in payload:
        payload[SEAT_SCHEMA] = {}
        payload["schemas"] = [*payload.get("schemas", []), SEAT_SCHEMA]
    return payload


def list_written_seat_extension(resource: Any, patch: Any) -> None:
    """List the seat extension in a patched User's schemas when an operation wrote it.

    Its attributes are readOnly, so scim2-models keeps the gateway's values and the
    operation changes none of them; the client still wrote the extension, and reads it
    back as it does after a POST or PUT listing it (see echo_seat_extension).
    """
    urn = SEAT_SCHEMA.lower()
    for operation in patch.operations or []:
        keys = operation.value if isinstance(operation.value, dict) else {}
        named = str(operation.path or "").lower().startswith(urn) or any(
            str(key).lower() == urn for key in keys
        )
        if named and operation.op != operation.Op.remove and SEAT_SCHEMA not in resource.schemas:
            resource.schemas = [*resource.schemas, SEAT_SCHEMA]


def _known_schemas(resource: Any) -> list[str]:
    """List the schemas of what the resource holds, leaving out URNs nobody here declares.

    The seat extension is the gateway's to fill, so it counts only where the client
    listed or wrote it: a PATCH applies to a User that the gateway has filled it in.
    """
    listed = {str(urn).lower() for urn in resource.schemas or []}
    schemas = [str(type(resource).__schema__)]
    for urn, extension in type(resource).get_extension_models().items():
        value = resource[extension]
        if urn == SEAT_SCHEMA:
            # The gateway always says whether the user holds a seat; a client never can.
            written = value is not None and value.holds_seat is None
            if written or urn.lower() in listed:
                schemas.append(urn)
        elif value is not None:
            schemas.append(urn)
    return schemas


def write_user(member: Member, resource: Any) -> None:
    """Copy a validated User onto the member's row, its indexed columns included.

    :raises SCIMException: invalidValue for a userName or email that cannot identify a
        person (invisible characters, surrounding spaces, an email that is no address) or
        that is too long.
    """
    user_name = resource.user_name
    email = primary_email(resource)
    _check_length("userName", user_name)
    _check_length("externalId", resource.external_id)
    _check_length("displayName", resource.display_name)
    member.user_name_key = _checked(identity_key, user_name)
    for entry in resource.emails or []:
        if entry.value is not None:
            _check_length("emails.value", entry.value)
            _checked(email_key, entry.value)
    member.email_key = email_key(email) if email else None
    member.user_name = user_name
    member.external_id = resource.external_id
    member.display_name = resource.display_name
    member.email = email
    member.scim = stored_user(resource)


def primary_email(resource: Any) -> str | None:
    """Return the primary email, or else the first one (RFC 7643 §2.4)."""
    emails = [email for email in resource.emails or [] if email.value]
    chosen = next((email for email in emails if email.primary), emails[0] if emails else None)
    return str(chosen.value) if chosen else None


def group_resource(
    group: ScimGroup, *, base_url: str, members: Iterable[Member] | None = None
) -> Any:
    """Build the SCIM Group of a row, with its members when they were loaded."""
    data = {
        key: value
        for key, value in (group.scim or {}).items()
        if key not in ("id", "meta", "members")
    }
    labels = {entry["value"]: entry["display"] for entry in (group.scim or {}).get("members", [])}
    data["displayName"] = group.display_name
    if group.external_id is not None:
        data["externalId"] = group.external_id
    resource = GroupResource.model_validate(data, scim_policy=POLICY)
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


def write_group(group: ScimGroup, resource: Any) -> None:
    """Copy a validated Group onto its row; members are kept in their own table."""
    _check_length("displayName", resource.display_name)
    _check_length("externalId", resource.external_id)
    group.display_name_key = _checked(identity_key, resource.display_name, what="displayName")
    group.display_name = resource.display_name
    group.external_id = resource.external_id
    payload = resource.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY)
    payload["schemas"] = [str(GroupResource.__schema__)]
    # Membership lives in its own table; only the labels a client gave are kept here.
    payload["members"] = [
        {"value": entry.value, "display": entry.display}
        for entry in resource.members or []
        if entry.value and entry.display
    ]
    group.scim = payload


def member_ids(resource: Any) -> list[str]:
    """Return the ids of a Group's members, in order, without repeats."""
    seen: dict[str, None] = {}
    for entry in resource.members or []:
        if entry.value:
            seen.setdefault(str(entry.value), None)
    return list(seen)


def _checked(rule: Callable[..., str], value: str, **options: Any) -> str:
    """Return the comparison key a seat_core rule gives value, its refusal as invalidValue."""
    try:
        return rule(value, **options)
    except InvalidIdentity as error:
        raise invalid_value(error.message) from None


def _check_length(attribute: str, value: str | None) -> None:
    limit = LIMITS[attribute]
    if value is not None and len(value) > limit:
        raise invalid_value(f"{attribute} is longer than {limit} characters")
