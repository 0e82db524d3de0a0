"""The three routes every SCIM resource type has, with a SCIM 405 for other methods."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from flask import Response, request

from . import bp
from .errors import MethodNotAllowed
from .queries import body, search_request

# Flask answers an unlisted method with its own 405 page; taking them all lets the handlers
# answer with a SCIM Error instead (RFC 7644 §3.12).
METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE"]


def add_resource_routes(
    endpoint: str,
    model: Any,
    *,
    search: Callable[[Any], Response],
    create: Callable[[], Response],
    item: Mapping[str, Callable[[str], Response]],
) -> None:
    """Route /<endpoint> (list, create), /<endpoint>/.search and /<endpoint>/<id>."""
    name = endpoint.lower()

    def collection() -> Response:
        if request.method == "GET":
            return search(search_request(model))
        if request.method == "POST":
            return create()
        raise MethodNotAllowed(allowed=["GET", "POST"], detail=f"Use GET or POST on /{endpoint}.")

    def search_view() -> Response:
        if request.method != "POST":
            raise MethodNotAllowed(allowed=["POST"], detail=f"Use POST on /{endpoint}/.search.")
        return search(search_request(model, body()))

    def one(resource_id: str) -> Response:
        handler = item.get(request.method)
        if handler is None:
            raise MethodNotAllowed(allowed=list(item), detail="Use GET, PUT, PATCH or DELETE.")
        return handler(resource_id)

    collection.__doc__ = f"List {name} (GET) or create one (POST)."
    search_view.__doc__ = f"Search {name} with a SearchRequest body (RFC 7644 §3.4.3)."
    one.__doc__ = f"Read, replace, patch or delete one of the {name}."
    bp.add_url_rule(f"/{endpoint}", name, collection, methods=METHODS)
    bp.add_url_rule(f"/{endpoint}/.search", f"{name}_search", search_view, methods=METHODS)
    bp.add_url_rule(f"/{endpoint}/<resource_id>", f"{name}_one", one, methods=METHODS)
