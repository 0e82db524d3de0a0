"""What every SCIM view shares: reading bodies and query parameters, ETags, listing pages."""

from __future__ import annotations

import re
from collections.abc import Mapping
from functools import cache
from typing import Any

from flask import current_app, request
from flask_babel import gettext as _
from scim2_models import (
    Context,
    InvalidFilterException,
    InvalidSyntaxException,
    InvalidValueException,
    ListResponse,
    PreconditionFailedException,
    ResponseParameters,
    SearchRequest,
)
from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session

from ..jsonbody import request_json
from .filters import SqlFilter, sort_column
from .mapping import Scalar, Values
from .policy import POLICY
from .resources import SEAT_SCHEMA


@cache
def parametrized(generic: Any, model: Any) -> Any:
    """Return generic[model], built once: pydantic rebuilds collected parametrizations."""
    return generic[model]


# Past the end of any table, and an OFFSET both databases take (theirs are signed 64-bit),
# so an oversized startIndex gets an empty page instead of an overflow in the query.
MAX_START_INDEX = 2**62
# A query string's integer: ASCII digits, perhaps negative; past 18 of them (leading zeros
# aside) it is clamped.
_INTEGER = re.compile(r"-?[0-9]+")
_DIGITS = 18

SEARCH_PARAMETERS = (
    "filter",
    "startIndex",
    "count",
    "sortBy",
    "sortOrder",
    "attributes",
    "excludedAttributes",
)


def body() -> dict[str, Any]:
    """Return the request's JSON object, read by the gateway's one JSON decoder.

    :raises RefusedJson: what docs/input.md refuses (errors.py maps it to invalidSyntax or
        invalidValue); a body over MAX_CONTENT_LENGTH raises werkzeug's 413 before it is read.
    :raises SCIMException: invalidSyntax when the body is not a JSON object.
    """
    data = request_json()
    if not isinstance(data, dict):
        raise InvalidSyntaxException(detail=_("The request body must be a JSON object."))
    return data


def _expand_seat(text: Any) -> Any:
    """Read the bare seat extension URN in `attributes` as all its (returned on request) ones."""
    if not isinstance(text, str):
        return text
    names = [name.strip() for name in text.split(",")]
    expanded = [
        part
        for name in names
        for part in (
            [f"{SEAT_SCHEMA}:holdsSeat", f"{SEAT_SCHEMA}:seatTakenAt"]
            if name.lower() == SEAT_SCHEMA.lower()
            else [name]
        )
    ]
    return ",".join(expanded)


def response_parameters(model: Any) -> Any:
    """Return the attributes/excludedAttributes of the query string (RFC 7644 §3.9)."""
    values = {
        key: request.args[key]
        for key in ("attributes", "excludedAttributes")
        if key in request.args
    }
    if not values:
        # Naming neither, as most requests do: the same empty parameters every time.
        return _no_parameters(model)
    if "attributes" in values:
        values["attributes"] = _expand_seat(values["attributes"])
    return parametrized(ResponseParameters, model).model_validate(values, scim_policy=POLICY)


@cache
def _no_parameters(model: Any) -> Any:
    """Return the response parameters of a request that names none, built once per model."""
    return parametrized(ResponseParameters, model).model_validate({}, scim_policy=POLICY)


def search_request(model: Any, payload: Mapping[str, Any] | None = None) -> Any:
    """Return the SearchRequest of a POST /.search body or of the query string.

    Filters longer than SCIM_MAX_FILTER_LENGTH are refused before they are parsed. As
    RFC 7644 §3.4.2.4 says, a startIndex below 1 counts as 1, a negative count as 0 and a
    count over SCIM_MAX_RESULTS as that maximum; a startIndex past MAX_START_INDEX, as that.
    """
    if payload is None:
        payload = {key: request.args[key] for key in SEARCH_PARAMETERS if key in request.args}
        payload = {**payload, **_paging(payload)}
    if isinstance(payload.get("attributes"), str):
        payload = {**payload, "attributes": _expand_seat(payload["attributes"])}
    text = payload.get("filter")
    limit = current_app.config["SCIM_MAX_FILTER_LENGTH"]
    if isinstance(text, str) and len(text) > limit:
        raise InvalidFilterException(
            detail=_("The filter is longer than %(limit)d characters.", limit=limit)
        )
    search = parametrized(SearchRequest, model).model_validate(
        payload, scim_ctx=Context.SEARCH_REQUEST, scim_policy=POLICY
    )
    maximum = current_app.config["SCIM_MAX_RESULTS"]
    search.count = maximum if search.count is None else min(search.count, maximum)
    if search.start_index is not None and search.start_index > MAX_START_INDEX:
        search.start_index = MAX_START_INDEX
    return search


def _paging(parameters: Mapping[str, str]) -> dict[str, str]:
    """Return startIndex and count of a query string as integers pydantic reads exactly.

    Only ASCII digits with an optional minus sign are numbers here: Python's int() would
    also take "1_000", " 7" and "٣". A number too long for any table is clamped, as
    RFC 7644 §3.4.2.4 clamps one out of range, instead of failing to parse.

    :raises InvalidValueException: for anything else.
    """
    read: dict[str, str] = {}
    for name in ("startIndex", "count"):
        text = parameters.get(name)
        if text is None:
            continue
        if _INTEGER.fullmatch(text) is None:
            raise InvalidValueException(
                detail=_("%(name)s must be an integer written in digits.", name=name)
            )
        negative = text.startswith("-")
        digits = text.lstrip("-").lstrip("0") or "0"
        if len(digits) > _DIGITS:
            # At least 10^18 either way, past the end of any table: only the sign tells what
            # it is clamped to (search_request then clamps a count to SCIM_MAX_RESULTS).
            digits = "0" if negative else str(MAX_START_INDEX)
            negative = False
        read[name] = f"-{digits}" if negative else digits
    return read


def page(
    session: Session,
    search: Any,
    query: Select[Any],
    *,
    model: Any,
    attributes: Mapping[tuple[str, str, str | None], Scalar | Values],
    sorts: Mapping[tuple[str, str, str | None], Scalar],
    tiebreak: tuple[Any, ...],
    scim_filter: Any = None,
    window: tuple[int, int | None] | None = None,
) -> tuple[int, list[Any]]:
    """Run a search in SQL: filter, count, sort and slice; return the total and the rows.

    scim_filter and window (offset, limit) stand in for the request's own on the root
    /.search, which searches each resource type in turn.
    """
    dialect = session.get_bind().dialect.name
    if scim_filter is not None:
        query = query.where(SqlFilter(scim_filter, attributes, dialect, lenient=True).where())
    elif search.filter is not None:
        query = query.where(SqlFilter(search.filter, attributes, dialect).where())
    order: list[Any] = []
    binding = search.sort_binding(model) if search.sort_by is not None else None
    if binding is not None or (search.sort_by is not None and window is None):
        column = sort_column(binding, sorts, dialect, str(search.sort_by))
        # RFC 7644 §3.4.2.3: resources without a value come last ascending, first descending.
        missing = column.is_(None)
        if search.sort_order == SearchRequest.SortOrder.descending:
            order += [missing.desc(), column.desc()]
        else:
            order += [missing, column]
    order += list(tiebreak)
    offset, limit = window or (search.start_index_0 or 0, search.count)
    rows = list(session.scalars(query.order_by(*order).offset(offset).limit(limit)))
    total = total_of_page(offset, limit, len(rows))
    if total is None:
        count = select(func.count()).select_from(query.order_by(None).subquery())
        total = session.scalar(count) or 0
    return total, rows


def total_of_page(offset: int, limit: int | None, found: int) -> int | None:
    """Return the total of results that a page tells by itself, or None if they must be counted.

    A short page ends the results: the total follows without counting them all, which is
    what an IdP's userName or externalId lookup always gets.
    """
    if limit and (0 < found < limit or (offset == 0 and not found)):
        return offset + found
    return None


def list_response(model: Any, search: Any, total: int, resources: list[Any]) -> dict[str, Any]:
    """Return the ListResponse of a page (RFC 7644 §3.4.2)."""
    listing = parametrized(ListResponse, model)(
        total_results=total,
        start_index=search.start_index or 1,
        items_per_page=len(resources),
        resources=resources,
    )
    dumped: dict[str, Any] = listing.model_dump(
        scim_ctx=Context.SEARCH_RESPONSE, response_parameters=search, scim_policy=POLICY
    )
    return dumped


def check_if_match(version_tag: str) -> None:
    """Refuse a write whose If-Match names another version (RFC 7644 §3.14).

    :raises SCIMException: 412 when the resource changed since the client read it.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return
    tags = [tag.strip() for tag in header.split(",")]
    if "*" in tags or version_tag in tags or version_tag.removeprefix("W/") in tags:
        return
    raise PreconditionFailedException(
        detail=_(
            "The resource is at version %(version)s; read it again before writing.",
            version=version_tag,
        )
    )


def not_modified(version_tag: str) -> bool:
    """Tell whether If-None-Match names the current version, so 304 can be answered."""
    header = request.headers.get("If-None-Match")
    if header is None:
        return False
    tags = [tag.strip() for tag in header.split(",")]
    return "*" in tags or version_tag in tags or version_tag.removeprefix("W/") in tags
