"""One SCIM view for every resource type: list, read, create, replace, patch and delete.

A resource type is described once, by a ResourceType: its scim2-models model, its row,
how one maps to the other, and the hooks where a type does something of its own (a
user's seat, a group's members). Everything else a request does is written here.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import partial
from typing import Any, ClassVar

from flask import Response, request
from flask_babel import gettext as _
from scim2_models import Context, PatchOp
from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute, Session

from ..clock import now
from ..db import read_only, transaction
from . import bp
from .auth import organization_id
from .errors import MethodNotAllowed, scim_response
from .policy import POLICY, check_patch
from .projection import list_payload
from .queries import (
    body,
    check_if_match,
    list_response,
    not_modified,
    page,
    parametrized,
    response_parameters,
    search_request,
)
from .resources import etag
from .store import ensure_unique, find, unique

# Flask answers an unlisted method with its own 405 page; taking them all lets the views
# answer with a SCIM Error instead (RFC 7644 §3.12).
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]

# What a type loads besides a row to build its resource (a user's seat and groups, a
# group's members), and the step that writes a change once it is known to show.
Extras = Any
Commit = Callable[[], None]


class ResourceType:
    """A SCIM resource type: its model, its rows, and the hooks the views call."""

    endpoint: ClassVar[str]
    noun: ClassVar[str]
    model: ClassVar[Any]
    row: ClassVar[Any]
    # The column that makes a resource unique in its organization (its name: a column
    # read through an instance would be that instance's value), and the message.
    key: ClassVar[str]
    # The uniqueness error's detail when the key's row is not known (lazily translated).
    duplicate: ClassVar[Any]
    attributes: ClassVar[Mapping[str, Any]]
    sorts: ClassVar[Mapping[str, Any]]
    # True when add() writes the new row before anything else it decides, so that the
    # UNIQUE index refuses a duplicate first and no query needs to ask beforehand.
    written_first: ClassVar[bool] = False

    @property
    def unique_key(self) -> InstrumentedAttribute[Any]:
        """Return the column that makes a resource unique in its organization."""
        column: InstrumentedAttribute[Any] = getattr(self.row, self.key)
        return column

    def clash(self, row: Any) -> str:
        """Return the uniqueness error's detail for a row whose key another row holds."""
        raise NotImplementedError

    def extras(self, session: Session, rows: list[Any], parameters: Any) -> Extras:
        """Load what the resources of rows show besides the rows themselves."""
        raise NotImplementedError

    def build(self, rows: list[Any], extras: Extras) -> list[Any]:
        """Build the resources of loaded rows; needs no session."""
        raise NotImplementedError

    def written(self, resource: Any, row: Any, extras: Extras) -> Any:
        """Build the resource just written onto row, from the one validated for it.

        By default it is built again from the row, as a read would build it.
        """
        return self.build([row], extras)[0]

    def new_row(self, resource: Any, at: datetime) -> Any:
        """Return the row of a resource to create, not yet in any session."""
        raise NotImplementedError

    def add(self, session: Session, row: Any, resource: Any, at: datetime) -> Extras:
        """Add the new row in the request's transaction; return what its resource shows."""
        raise NotImplementedError

    def add_directly(self, row: Any, resource: Any, at: datetime) -> Extras | None:
        """Add the new row in a transaction of its own without a session, or return None.

        None (the default) means the type cannot, or not this time; add() then runs.
        """
        return None

    def apply(
        self, session: Session, row: Any, updated: Any, extras: Extras, at: datetime
    ) -> tuple[Extras, Commit]:
        """Copy a changed resource onto its row; return its extras and the writing step."""
        raise NotImplementedError

    def remove(self, session: Session, row: Any, at: datetime) -> None:
        """Undo what the row holds besides itself before it is deleted."""
        raise NotImplementedError

    def replaced(self, resource: Any, current: Any) -> None:
        """Adjust a PUT's resource before it replaces the current one; nothing by default."""

    def patched(self, resource: Any, operations: Any) -> None:
        """Adjust a patched resource; nothing by default."""

    def show(self, rows: list[Any], extras: Extras) -> list[dict[str, Any]] | None:
        """Dump the resources of rows as a read naming no attributes shows them, or None."""
        # None (the default) means the type has no such shortcut: build() then a dump.
        return None

    def finish(self, payload: dict[str, Any], row: Any) -> dict[str, Any]:
        """Adjust a dumped resource as the type shows it; as it is by default."""
        return payload

    def lookup(self) -> dict[str, Any] | None:
        """Answer a GET of the list the type can answer by a shortcut, or return None."""
        return None


def search(kind: ResourceType, parameters: Any) -> Response:
    """List or filter resources, a page at a time (RFC 7644 §3.4.2)."""
    with read_only() as session:
        query = select(kind.row).where(kind.row.organization_id == organization_id())
        total, rows = page(
            session,
            parameters,
            query,
            model=kind.model,
            attributes=kind.attributes,
            sorts=kind.sorts,
            tiebreak=(kind.row.created_at, kind.row.id),
        )
        extras = kind.extras(session, rows, parameters)
        shown = kind.show(rows, extras) if plain(parameters) else None
        if shown is not None:
            return scim_response(list_payload(parameters.start_index or 1, total, shown))
        resources = kind.build(rows, extras)
    return scim_response(list_response(kind.model, parameters, total, resources))


def get(kind: ResourceType, resource_id: str) -> Response:
    """Return one resource, or 304 when the client holds its version."""
    with read_only() as session:
        row = find(session, kind.row, resource_id, noun=kind.noun, lock=False)
        if not_modified(etag(row.version)):
            return Response(status=304, headers={"ETag": etag(row.version)})
        parameters = response_parameters(kind.model)
        extras = kind.extras(session, [row], parameters)
        shown = kind.show([row], extras) if plain(parameters) else None
        if shown is not None:
            return respond_shown(kind, shown[0], 200, row)
        resource = kind.build([row], extras)[0]
    return respond(kind, resource, 200, parameters, row)


def create(kind: ResourceType) -> Response:
    """Create a resource: checked in order, validity, uniqueness, then the type's own rule."""
    resource = kind.model.model_validate(
        body(), scim_ctx=Context.RESOURCE_CREATION_REQUEST, scim_policy=POLICY
    )
    at = now()
    row = kind.new_row(resource, at)
    with unique(kind.unique_key, lambda: kind.clash(row)):
        extras = kind.add_directly(row, resource, at)
        if extras is None:
            with transaction() as session:
                if not kind.written_first:
                    ensure_unique(session, kind.unique_key, row, lambda: kind.clash(row))
                extras = kind.add(session, row, resource, at)
    # Built after commit, from what is known: no lock is held while the response is made.
    parameters = response_parameters(kind.model)
    shown = kind.show([row], extras) if plain(parameters) else None
    if shown is not None:
        return respond_shown(kind, shown[0], 201, row)
    created = kind.written(resource, row, extras)
    return respond(kind, created, 201, parameters, row)


def replace(kind: ResourceType, resource_id: str) -> Response:
    """Replace a resource (PUT, RFC 7644 §3.5.1)."""
    resource = kind.model.model_validate(
        body(), scim_ctx=Context.RESOURCE_REPLACEMENT_REQUEST, scim_policy=POLICY
    )

    def apply(current: Any) -> Any:
        kind.replaced(resource, current)
        resource.replace(current)
        return resource

    return change(kind, resource_id, apply)


def patch(kind: ResourceType, resource_id: str) -> Response:
    """Patch a resource (PATCH, RFC 7644 §3.5.2)."""
    operations = parametrized(PatchOp, kind.model).model_validate(
        body(), scim_ctx=Context.RESOURCE_PATCH_REQUEST, scim_policy=POLICY
    )
    check_patch(operations, kind.model)

    def apply(current: Any) -> Any:
        operations.patch(current, scim_policy=POLICY)
        kind.patched(current, operations)
        return current

    return change(kind, resource_id, apply)


def change(kind: ResourceType, resource_id: str, apply: Callable[[Any], Any]) -> Response:
    """Apply a PUT or PATCH; write and version it only if what a client reads changed.

    A change that leaves what a client reads as it was keeps the version, so that other
    clients' If-Match still holds (RFC 7644 §3.14).
    """
    at = now()
    with unique(kind.unique_key, lambda: str(kind.duplicate)), transaction() as session:
        row = find(session, kind.row, resource_id, noun=kind.noun, lock=True)
        check_if_match(etag(row.version))
        # Read before anything is written, so that no query follows the guarded UPDATE.
        extras = kind.extras(session, [row], None)
        current = kind.build([row], extras)[0]
        before = shown(kind, current, row)
        old_key = getattr(row, kind.key)
        updated = apply(current)
        extras, commit = kind.apply(session, row, updated, extras, at)
        changed = kind.written(updated, row, extras)
        if shown(kind, changed, row) != before:
            if getattr(row, kind.key) != old_key:
                ensure_unique(session, kind.unique_key, row, lambda: kind.clash(row))
            commit()
            changed.meta.version = etag(row.version)
            changed.meta.last_modified = at
    return respond(kind, changed, 200, response_parameters(kind.model), row)


def delete(kind: ResourceType, resource_id: str) -> Response:
    """Delete a resource, and what it holds besides itself."""
    at = now()
    with transaction() as session:
        row = find(session, kind.row, resource_id, noun=kind.noun, lock=True)
        check_if_match(etag(row.version))
        kind.remove(session, row, at)
        session.delete(row)
    return Response(status=204)


def shown(kind: ResourceType, resource: Any, row: Any) -> dict[str, Any]:
    """Return what a client reads of a resource, but its meta."""
    payload = resource.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE, scim_policy=POLICY)
    payload = kind.finish(payload, row)
    payload.pop("meta", None)
    return payload


def respond(kind: ResourceType, resource: Any, status: int, parameters: Any, row: Any) -> Response:
    """Return a resource as its response: the body, its ETag and its Location."""
    context = (
        Context.RESOURCE_CREATION_RESPONSE if status == 201 else Context.RESOURCE_QUERY_RESPONSE
    )
    payload = resource.model_dump(
        scim_ctx=context, response_parameters=parameters, scim_policy=POLICY
    )
    if not parameters.attributes:
        payload = kind.finish(payload, row)
    headers = {"ETag": resource.meta.version, "Location": resource.meta.location}
    return scim_response(payload, status, headers)


def plain(parameters: Any) -> bool:
    """Tell whether a read names neither attributes nor excludedAttributes (RFC 7644 §3.9)."""
    return not parameters.attributes and not parameters.excluded_attributes


def respond_shown(kind: ResourceType, payload: dict[str, Any], status: int, row: Any) -> Response:
    """Return a resource already dumped by kind.show as its response, as respond does."""
    meta = payload["meta"]
    headers = {"ETag": meta["version"], "Location": meta["location"]}
    return scim_response(kind.finish(payload, row), status, headers)


def bump(row: Any, at: datetime) -> None:
    """Give a changed row its new version."""
    row.version += 1
    row.updated_at = at


def serve(kind: ResourceType) -> None:
    """Route /<endpoint> (list, create), /<endpoint>/.search and /<endpoint>/<id> to the views."""
    endpoint, model = kind.endpoint, kind.model
    name = endpoint.lower()
    item = {
        "GET": partial(get, kind),
        "PUT": partial(replace, kind),
        "PATCH": partial(patch, kind),
        "DELETE": partial(delete, kind),
    }

    def collection() -> Response:
        if request.method == "GET":
            found = kind.lookup()
            if found is not None:
                return scim_response(found)
            return search(kind, search_request(model))
        if request.method == "POST":
            return create(kind)
        raise MethodNotAllowed(
            allowed=["GET", "POST"],
            detail=_("Use GET or POST on /%(endpoint)s.", endpoint=endpoint),
        )

    def search_view() -> Response:
        if request.method != "POST":
            raise MethodNotAllowed(
                allowed=["POST"], detail=_("Use POST on /%(endpoint)s/.search.", endpoint=endpoint)
            )
        return search(kind, search_request(model, body()))

    def one(resource_id: str) -> Response:
        handler = item.get(request.method)
        if handler is None:
            raise MethodNotAllowed(allowed=list(item), detail=_("Use GET, PUT, PATCH or DELETE."))
        return handler(resource_id)

    collection.__doc__ = f"List {name} (GET) or create one (POST)."
    search_view.__doc__ = f"Search {name} with a SearchRequest body (RFC 7644 §3.4.3)."
    one.__doc__ = f"Read, replace, patch or delete one of the {name}."
    bp.add_url_rule(f"/{endpoint}", name, collection, methods=METHODS)
    bp.add_url_rule(f"/{endpoint}/.search", f"{name}_search", search_view, methods=METHODS)
    bp.add_url_rule(f"/{endpoint}/<resource_id>", f"{name}_one", one, methods=METHODS)
