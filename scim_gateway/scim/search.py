"""POST /.search at the root: Users and Groups at once (RFC 7644 §3.4.3)."""

from __future__ import annotations

from typing import Any

from flask import Response, request
from flask_babel import gettext as _
from scim2_models import ScimFilter
from sqlalchemy import select

from seat_core.models import Member, ScimGroup

from ..db import read_only
from . import bp, groups, users
from .auth import organization_id
from .errors import MethodNotAllowed, scim_response
from .mapping import GROUP_ATTRIBUTES, GROUP_SORTS, USER_ATTRIBUTES, USER_SORTS
from .policy import POLICY
from .queries import body, list_response, page, search_request
from .resources import GroupResource, UserResource

AnyResource = UserResource | GroupResource


@bp.route("/.search", methods=["GET", "POST", "PUT", "PATCH", "DELETE"])
def search_all() -> Response:
    """Search every resource type; users come before groups unless sortBy says otherwise."""
    if request.method != "POST":
        raise MethodNotAllowed(allowed=["POST"], detail=_("Use POST on /.search."))
    search = search_request(AnyResource, body())
    start = search.start_index_0 or 0
    # Each type's first start+count rows are enough to cut the merged page.
    window = (0, start + search.count)
    text = str(search.filter) if search.filter is not None else None
    with read_only() as session:
        user_total, members = page(
            session,
            search,
            select(Member).where(Member.organization_id == organization_id()),
            model=UserResource,
            attributes=USER_ATTRIBUTES,
            sorts=USER_SORTS,
            tiebreak=(Member.created_at, Member.id),
            scim_filter=ScimFilter[UserResource](text) if text else None,
            window=window,
        )
        group_total, rows = page(
            session,
            search,
            select(ScimGroup).where(ScimGroup.organization_id == organization_id()),
            model=GroupResource,
            attributes=GROUP_ATTRIBUTES,
            sorts=GROUP_SORTS,
            tiebreak=(ScimGroup.created_at, ScimGroup.id),
            scim_filter=ScimFilter[GroupResource](text) if text else None,
            window=window,
        )
        resources: list[Any] = users.resources_of(session, members)
        resources += [groups.resource_of(session, row) for row in rows]
    if search.sort_by is not None:
        with POLICY:
            resources = search.sort(resources)
    resources = resources[start : start + search.count]
    return scim_response(list_response(AnyResource, search, user_total + group_total, resources))
