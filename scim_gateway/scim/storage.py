"""Validated SCIM resources onto rows: what is stored of a User or a Group, and its checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask_babel import gettext as _
from scim2_models import Context

from seat_core import InvalidIdentity, email_key, identity_key
from seat_core.models import Member, ScimGroup

from .. import error_texts
from .errors import invalid_value
from .policy import POLICY
from .resources import SEAT_SCHEMA, GroupResource, SeatExtension, extension_field

# Column widths of the member and group tables; longer values are refused, not cut.
LIMITS = {"userName": 256, "externalId": 256, "displayName": 256, "emails.value": 320}


def stored_user(resource: Any) -> dict[str, Any]:
    """Return what is kept of a User: the attributes the client may write, no password."""
    schemas = _known_schemas(resource)
    resource.password = None
    resource.groups = None
    setattr(resource, extension_field(SeatExtension), None)
    payload = resource.model_dump(scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY)
    payload["schemas"] = schemas
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
        value = getattr(resource, extension_field(extension))
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
    keys = {}
    for entry in resource.emails or []:
        if entry.value is not None:
            _check_length("emails.value", entry.value)
            keys[entry.value] = _checked(email_key, entry.value)
    # The primary email is one of those just checked: its key is not computed again.
    member.email_key = (keys.get(email) or email_key(email)) if email else None
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
    """Return the ids of a Group's members, in order, without repeats.

    :raises InvalidValueException: for a member without a value, which names nobody.
    """
    seen: dict[str, None] = {}
    for entry in resource.members or []:
        if not entry.value:
            raise invalid_value(_("Every member of a group needs a value: the id of a user."))
        seen.setdefault(str(entry.value), None)
    return list(seen)


def _checked(rule: Callable[..., str], value: str, **options: Any) -> str:
    """Return the comparison key a seat_core rule gives value, its refusal as invalidValue."""
    try:
        return rule(value, **options)
    except InvalidIdentity as error:
        # Not the blueprint's answer: SCIM calls a value it refuses invalidValue (RFC 7644 §3.12).
        raise invalid_value(error_texts.message(error)) from None


def _check_length(attribute: str, value: str | None) -> None:
    limit = LIMITS[attribute]
    if value is not None and len(value) > limit:
        raise invalid_value(
            _("%(attribute)s is longer than %(limit)d characters", attribute=attribute, limit=limit)
        )
