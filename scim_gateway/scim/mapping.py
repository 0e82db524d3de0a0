"""Where each SCIM attribute lives in SQL: an indexed column, or rows of a subquery."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from scim2_models import EnterpriseUser, Group, User
from sqlalchemy import ColumnElement, case, func, true
from sqlalchemy.sql.expression import FromClause

from seat_core.models import GroupMembership, Member, ScimGroup

from .resources import SEAT_SCHEMA


@dataclass(frozen=True)
class Scalar:
    """A single-valued attribute kept in a column.

    form tells how its strings compare: "key" (the column holds the comparison key),
    "fold" (folded at query time), "exact" (caseExact), or "plain" (booleans, dates).
    """

    column: Any
    form: str


@dataclass(frozen=True)
class Values:
    """A multi-valued attribute: each value is a row of a correlated subquery."""

    rows: Callable[[str], tuple[FromClause, ColumnElement[bool], Mapping[str, Scalar]]]


def _email_rows(dialect: str) -> tuple[FromClause, ColumnElement[bool], Mapping[str, Scalar]]:
    """Read the emails of the stored User JSON as rows, on SQLite or PostgreSQL."""
    if dialect == "sqlite":
        # A member signed in through SSO has no stored emails, only the email column;
        # its User shows that one as primary (resources.user_resource), so filters see it too.
        emails = case(
            (
                func.json_array_length(Member.scim, "$.emails") > 0,
                func.json_extract(Member.scim, "$.emails"),
            ),
            (
                Member.email.is_not(None),
                func.json_array(
                    func.json_object("value", Member.email, "primary", func.json("true"))
                ),
            ),
            else_="[]",
        )
        rows = func.json_each(emails).table_valued("value").alias("email")

        def sub(key: str) -> Any:
            return func.json_extract(rows.c.value, f"$.{key}")

        primary = Scalar(sub("primary") == 1, "plain")
    else:
        stored = Member.scim["emails"]
        array = case((func.json_typeof(stored) == "array", stored), else_=func.json_build_array())
        emails = case(
            (func.json_array_length(array) > 0, array),
            (
                Member.email.is_not(None),
                func.json_build_array(
                    func.json_build_object("value", Member.email, "primary", true())
                ),
            ),
            else_=func.json_build_array(),
        )
        rows = func.json_array_elements(emails).table_valued("value").alias("email")

        def sub(key: str) -> Any:
            return rows.c.value.op("->>")(key)

        primary = Scalar(sub("primary") == "true", "plain")
    subs = {
        "value": Scalar(sub("value"), "fold"),
        "type": Scalar(sub("type"), "fold"),
        "display": Scalar(sub("display"), "fold"),
        "primary": primary,
    }
    return rows, true(), subs


def _member_rows(dialect: str) -> tuple[FromClause, ColumnElement[bool], Mapping[str, Scalar]]:
    """Read a group's members from the membership table."""
    rows = GroupMembership.__table__.alias("membership")
    return rows, rows.c.group_id == ScimGroup.id, {"value": Scalar(rows.c.member_id, "exact")}


USER = str(User.__schema__)
ENTERPRISE = str(EnterpriseUser.__schema__)
GROUP = str(Group.__schema__)
EMAILS = Values(_email_rows)
MEMBERS = Values(_member_rows)

# (schema, attribute, sub-attribute) -> where its values are.
USER_ATTRIBUTES: dict[tuple[str, str, str | None], Scalar | Values] = {
    (USER, "id", None): Scalar(Member.id, "exact"),
    (USER, "user_name", None): Scalar(Member.user_name_key, "key"),
    (USER, "external_id", None): Scalar(Member.external_id, "exact"),
    (USER, "display_name", None): Scalar(Member.display_name, "fold"),
    (USER, "active", None): Scalar(Member.active, "plain"),
    # A member holds a seat iff it is active (docs/rules.md, Seats).
    (SEAT_SCHEMA, "holds_seat", None): Scalar(Member.active, "plain"),
    (USER, "meta", "created"): Scalar(Member.created_at, "plain"),
    (USER, "meta", "last_modified"): Scalar(Member.updated_at, "plain"),
    (USER, "emails", None): EMAILS,
    (USER, "emails", "value"): EMAILS,
    (USER, "emails", "type"): EMAILS,
    (USER, "emails", "primary"): EMAILS,
    (USER, "emails", "display"): EMAILS,
}
# Users sort on their primary (else first) email, as RFC 7643 §2.4 asks; it has a column.
USER_SORTS: dict[tuple[str, str, str | None], Scalar] = {
    **{key: value for key, value in USER_ATTRIBUTES.items() if isinstance(value, Scalar)},
    (USER, "emails", "value"): Scalar(Member.email_key, "key"),
}
GROUP_ATTRIBUTES: dict[tuple[str, str, str | None], Scalar | Values] = {
    (GROUP, "id", None): Scalar(ScimGroup.id, "exact"),
    (GROUP, "display_name", None): Scalar(ScimGroup.display_name_key, "key"),
    (GROUP, "external_id", None): Scalar(ScimGroup.external_id, "exact"),
    (GROUP, "meta", "created"): Scalar(ScimGroup.created_at, "plain"),
    (GROUP, "meta", "last_modified"): Scalar(ScimGroup.updated_at, "plain"),
    (GROUP, "members", None): MEMBERS,
    (GROUP, "members", "value"): MEMBERS,
}
GROUP_SORTS = {key: value for key, value in GROUP_ATTRIBUTES.items() if isinstance(value, Scalar)}
