"""The lookups and pages identity providers poll with, answered by prebuilt statements.

Before each create or update, an IdP asks `GET /Users?filter=userName eq "x"` (or
`externalId eq "x"`). Read through the general path, such a lookup validates a
SearchRequest, parses its filter with scim2-models' grammar, builds an SQL expression and
loads the row into an ORM session: about two thirds of its CPU. Here a filter of exactly
that shape (a plain string without escapes, no other parameter than startIndex=1 and a
count) is read by one regular expression, the member by a statement built once, and the
response is the projection of its stored JSON (projection.py), as the general path gives
it. Anything else, or a result the shortcut cannot count exactly, goes the general way:
`lookup` then returns None. tests/unit/test_lookup.py compares both answers over
generated filters.

A page of users without a filter, a sort or attributes (`GET /Users?startIndex=..&count=..`,
how an IdP imports an organization) is read the same way: the page of rows, their groups
and, unless the page is short, the count, each by a statement built once, with no ORM
entities; tests/api/scim/test_lookup.py compares it with the general path too.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import Any, NamedTuple

from flask import current_app, request
from sqlalchemy import JSON, Select, bindparam, func, select, text, type_coerce
from sqlalchemy.dialects.postgresql import aggregate_order_by

from seat_core.fastpath import Prepared
from seat_core.fastpath.functions import function_call
from seat_core.models import GroupMembership, Member, ScimGroup

from ..db import read_connection, read_statement
from .policy import comparison_key
from .projection import list_payload, shown_user
from .queries import total_of_page

# scim2-models' grammar skips these between tokens; its STRING takes any character but a
# quote, a backslash and controls unescaped. Names and operators compare without case.
_SPACE = r"[ \t\f\r\n]"
_FILTER = re.compile(
    rf'{_SPACE}*(userName|externalId){_SPACE}+eq{_SPACE}*"([^"\\\x00-\x1f]*)"{_SPACE}*',
    re.IGNORECASE,
)
_COUNT = re.compile(r"[0-9]{1,9}")
_PARAMETERS = frozenset(("filter", "startIndex", "count"))


class MemberRow(NamedTuple):
    """The columns a User's projection reads, named as the Member's attributes."""

    id: str
    scim: dict[str, Any]
    user_name: str
    active: bool
    external_id: str | None
    display_name: str | None
    email: str | None
    version: int
    created_at: datetime
    updated_at: datetime


class GroupOf(NamedTuple):
    """A group a member belongs to, as a User lists it."""

    member_id: str
    id: str
    display_name: str


_COLUMNS = (
    Member.id,
    Member.scim,
    Member.user_name,
    Member.active,
    Member.external_id,
    Member.display_name,
    Member.email,
    Member.version,
    Member.created_at,
    Member.updated_at,
)
_ORG = bindparam("organization_id")
# Two rows at most: a second one means the shortcut cannot tell the total by itself.
BY_USER_NAME = Prepared(
    select(*_COLUMNS)
    .where(Member.organization_id == _ORG, Member.user_name_key == bindparam("key"))
    .limit(2),
    MemberRow,
)
BY_EXTERNAL_ID = Prepared(
    select(*_COLUMNS)
    .where(Member.organization_id == _ORG, Member.external_id == bindparam("key"))
    .order_by(Member.created_at, Member.id)
    .limit(2),
    MemberRow,
)


class MemberAndGroups(NamedTuple):
    """A member's columns and its groups as a JSON array of [id, displayName, key]."""

    id: str
    scim: dict[str, Any]
    user_name: str
    active: bool
    external_id: str | None
    display_name: str | None
    email: str | None
    version: int
    created_at: datetime
    updated_at: datetime
    groups: list[list[str]] | None


# A lookup reads the member and its groups by one statement (db.read_statement): on
# PostgreSQL one round trip, in autocommit; on SQLite no BEGIN and no COMMIT. PostgreSQL
# orders the groups by their key, as the general path does, in its collation. SQLite 3.40
# cannot order an aggregate's input, so there each group carries its key and group_list
# sorts them as SQLite's binary collation does, by code point.
_GROUPS_OF_MEMBER = (
    select(GroupMembership)
    .join(ScimGroup, GroupMembership.group_id == ScimGroup.id)
    .where(GroupMembership.member_id == Member.id)
)
_GROUP = (ScimGroup.id, ScimGroup.display_name, ScimGroup.display_name_key)
_GROUPS_JSON = {
    "postgresql": _GROUPS_OF_MEMBER.with_only_columns(
        func.json_agg(
            aggregate_order_by(func.json_build_array(*_GROUP), ScimGroup.display_name_key)
        )
    ),
    "sqlite": _GROUPS_OF_MEMBER.with_only_columns(func.json_group_array(func.json_array(*_GROUP))),
}


def _with_groups(statement: Select[Any]) -> Prepared[MemberAndGroups]:
    return Prepared(
        {
            dialect: statement.add_columns(
                type_coerce(groups.scalar_subquery(), JSON).label("groups")
            )
            for dialect, groups in _GROUPS_JSON.items()
        },
        MemberAndGroups,
    )


BY_USER_NAME_AND_GROUPS = _with_groups(BY_USER_NAME.statements)  # type: ignore[arg-type]
BY_EXTERNAL_ID_AND_GROUPS = _with_groups(BY_EXTERNAL_ID.statements)  # type: ignore[arg-type]
# What is sent for them on PostgreSQL: the call of a PL/pgSQL function that holds each
# (migration 0016), whose plan the server keeps, through a transaction-mode pooler too,
# where nothing can be prepared (seat_core/fastpath/functions.py).
LOOKUP_FUNCTIONS = {
    "member_by_user_name": BY_USER_NAME_AND_GROUPS,
    "member_by_external_id": BY_EXTERNAL_ID_AND_GROUPS,
}
BY_USER_NAME_CALL, BY_EXTERNAL_ID_CALL = (
    function_call(name, statement) for name, statement in LOOKUP_FUNCTIONS.items()
)


def group_list(row: MemberAndGroups, dialect: str) -> list[GroupOf]:
    """Return the groups of a member read with them, in the general path's order."""
    groups = row.groups or ()
    if dialect == "sqlite":
        groups = sorted(groups, key=lambda group: group[2])
    return [GroupOf(row.id, id_, name) for id_, name, _key in groups]


class Counted(NamedTuple):
    """How many members an organization has."""

    members: int


def _page_of(*columns: Any) -> Select[Any]:
    """Select columns of a page of the organization's members, in the general path's order
    (views.search's tiebreak) and slice."""
    return (
        select(*columns)
        .where(Member.organization_id == _ORG)
        .order_by(Member.created_at, Member.id)
        .limit(bindparam("limit"))
        .offset(bindparam("offset"))
    )


PAGE = Prepared(_page_of(*_COLUMNS), MemberRow)
GROUPS_OF_PAGE = Prepared(
    select(GroupMembership.member_id, ScimGroup.id, ScimGroup.display_name)
    .join(ScimGroup, GroupMembership.group_id == ScimGroup.id)
    .where(GroupMembership.member_id.in_(_page_of(Member.id)))
    .order_by(ScimGroup.display_name_key),
    GroupOf,
)
# SQLite counts through a covering index it picks by the declared widths of its columns:
# (organization_id, created_at, id), whose entries are longer than the email index's; a
# count of 50,000 members took 2.9-3.6 ms through it, 2.3-3.0 ms through this one. Named
# here; a test checks the plan.
COUNT_INDEX = "ix_member_org_email"
_COUNTED = select(func.count().label("members"))
COUNT = Prepared(
    {
        "postgresql": _COUNTED.select_from(Member).where(Member.organization_id == _ORG),
        "sqlite": _COUNTED.select_from(text(f"member INDEXED BY {COUNT_INDEX}")).where(
            text("member.organization_id = :organization_id")
        ),
    },
    Counted,
)


def page(organization_id: int, base_url: str, start: str, count: str | None) -> dict[str, Any]:
    """Return the ListResponse of a plain page of users, from startIndex and count as sent
    (digits, count at least 1; lookup checked them)."""
    maximum = current_app.config["SCIM_MAX_RESULTS"]
    limit = maximum if count is None else min(int(count), maximum)
    offset = int(start) - 1
    window = {"organization_id": organization_id, "limit": limit, "offset": offset}
    with read_connection() as connection:
        rows = PAGE.rows(connection, window)
        total = total_of_page(offset, limit, len(rows))
        if total is None:
            counted = COUNT.first(connection, {"organization_id": organization_id})
            total = counted.members if counted is not None else 0
        groups: dict[str, list[GroupOf]] = {}
        if rows:
            for group in GROUPS_OF_PAGE.rows(connection, window):
                groups.setdefault(group.member_id, []).append(group)
    shown = [
        shown_user(row, base_url=base_url, groups=groups.get(row.id, ()))  # type: ignore[arg-type]
        for row in rows
    ]
    return list_payload(int(start), total, shown)


def simple_filter(text: str) -> tuple[str, str] | None:
    """Return ("userName" or "externalId", the value) of a filter of the shortcut's shape."""
    match = _FILTER.fullmatch(text)
    if match is None:
        return None
    attribute, value = match.groups()
    return ("userName" if attribute.lower() == "username" else "externalId"), value


def lookup(organization_id: int, base_url: str) -> dict[str, Any] | None:
    """Return the ListResponse of a userName or externalId lookup or of a plain page, or
    None to search in full."""
    args = request.args
    if not _PARAMETERS.issuperset(args.keys()):
        return None
    if any(len(values) != 1 for values in args.listvalues()):
        return None
    # A plain dict: Werkzeug's get() of a missing key raises and catches an HTTP error.
    given = args.to_dict()
    count = given.get("count")
    if count is not None and (not _COUNT.fullmatch(count) or int(count) < 1):
        return None
    start = given.get("startIndex", "1")
    if "filter" not in given:
        if not _COUNT.fullmatch(start) or int(start) < 1:
            return None
        return page(organization_id, base_url, start, count)
    if start != "1":
        return None
    text = given["filter"]
    if len(text) > current_app.config["SCIM_MAX_FILTER_LENGTH"]:
        return None
    simple = simple_filter(text)
    if simple is None:
        return None
    attribute, value = simple
    # Compared as filters.compare compares them: userName by its key, externalId
    # (caseExact) in NFKC.
    if attribute == "userName":
        statement, key = BY_USER_NAME_CALL, comparison_key(None, value)
    else:
        statement, key = BY_EXTERNAL_ID_CALL, unicodedata.normalize("NFKC", value)
    parameters = {"organization_id": organization_id, "key": key}
    with read_statement() as connection:
        rows = statement.rows(connection, parameters)
        dialect = connection.dialect.name
    if len(rows) > 1:
        return None
    groups = [group_list(row, dialect) for row in rows]
    shown = [
        shown_user(row, base_url=base_url, groups=member_groups)  # type: ignore[arg-type]
        for row, member_groups in zip(rows, groups, strict=True)
    ]
    return list_payload(1, len(shown), shown)
