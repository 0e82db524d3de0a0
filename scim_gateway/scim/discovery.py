"""Discovery endpoints (RFC 7644 §4): what this service supports, told truthfully."""

from __future__ import annotations

from functools import cache
from typing import Any

from flask import Response, current_app, request
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from scim2_models import (
    AuthenticationScheme,
    Bulk,
    ChangePassword,
    Context,
    EnterpriseUser,
    ETag,
    Filter,
    Group,
    ListResponse,
    Meta,
    NotFoundException,
    Patch,
    ResourceType,
    Schema,
    ScimProvider,
    ServiceProviderConfig,
    Sort,
    User,
)

from . import bp
from .auth import base_url
from .errors import MethodNotAllowed, scim_response
from .policy import POLICY
from .queries import parametrized
from .resources import GroupResource, SeatExtension, UserResource
from .views import METHODS


@cache
def provider() -> ScimProvider:
    """Return the description of the resources served: User (+ extensions) and Group."""
    return ScimProvider(
        models=[User, EnterpriseUser, SeatExtension, Group],
        resource_types=[
            ResourceType.from_resource(UserResource),
            ResourceType.from_resource(GroupResource),
        ],
        policy=POLICY,
    )


def _only_get() -> None:
    if request.method != "GET":
        raise MethodNotAllowed(allowed=["GET"], detail=_("Discovery endpoints are read-only."))


def _meta(resource_type: str, path: str) -> Meta:
    return Meta(resource_type=resource_type, location=f"{base_url()}{path}")


def service_provider_config() -> ServiceProviderConfig:
    """Return the capabilities: PATCH, filter, sort and ETags; no bulk, no passwords."""
    return ServiceProviderConfig(
        documentation_uri=None,
        patch=Patch(supported=True),
        bulk=Bulk(supported=False, max_operations=0, max_payload_size=0),
        filter=Filter(supported=True, max_results=current_app.config["SCIM_MAX_RESULTS"]),
        change_password=ChangePassword(supported=False),
        sort=Sort(supported=True),
        etag=ETag(supported=True),
        authentication_schemes=[
            AuthenticationScheme(
                type=AuthenticationScheme.Type.oauthbearertoken,
                name="OAuth Bearer Token",
                description="A SCIM token of the organization, from `scim-gateway token issue`.",
                primary=True,
            )
        ],
        meta=_meta("ServiceProviderConfig", "/ServiceProviderConfig"),
    )


@bp.route("/ServiceProviderConfig", methods=METHODS)
def spc() -> Response:
    """Tell what the service supports (RFC 7644 §4)."""
    _only_get()
    payload = service_provider_config().model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE)
    return scim_response(payload)


def _resource_types() -> list[ResourceType]:
    types = []
    for resource_type in provider().resource_types:
        copy = resource_type.model_copy(deep=True)
        copy.meta = _meta("ResourceType", f"/ResourceTypes/{copy.id}")
        types.append(copy)
    return types


def _schemas() -> list[Schema]:
    schemas = []
    for schema in provider().schemas:
        copy = schema.model_copy(deep=True)
        copy.meta = _meta("Schema", f"/Schemas/{copy.id}")
        schemas.append(copy)
    return schemas


def _listing(model: Any, items: list[Any]) -> Response:
    listing = parametrized(ListResponse, model)(
        total_results=len(items), start_index=1, items_per_page=len(items), resources=items
    )
    return scim_response(listing.model_dump(scim_ctx=Context.SEARCH_RESPONSE))


def _one(items: list[Any], key: str, what: Any) -> Response:
    for item in items:
        if str(item.id).lower() == key.lower():
            return scim_response(item.model_dump(scim_ctx=Context.RESOURCE_QUERY_RESPONSE))
    raise NotFoundException(detail=str(what) % {"key": repr(key)})


@bp.route("/ResourceTypes", methods=METHODS)
def resource_types() -> Response:
    """List the resource types: User and Group."""
    _only_get()
    return _listing(ResourceType, _resource_types())


@bp.route("/ResourceTypes/<name>", methods=METHODS)
def resource_type(name: str) -> Response:
    """Describe one resource type."""
    _only_get()
    return _one(_resource_types(), name, _l("No resource type %(key)s."))


@bp.route("/Schemas", methods=METHODS)
def schemas() -> Response:
    """List the schemas of the resources and their extensions."""
    _only_get()
    return _listing(Schema, _schemas())


@bp.route("/Schemas/<path:schema_id>", methods=METHODS)
def schema(schema_id: str) -> Response:
    """Describe one schema."""
    _only_get()
    return _one(_schemas(), schema_id, _l("No schema %(key)s."))


@bp.route("/", defaults={"path": ""}, methods=METHODS, strict_slashes=False)
@bp.route("/<path:path>", methods=METHODS)
def unknown(path: str) -> Response:
    """Answer 404 with a SCIM Error for every other path under /scim/v2."""
    raise NotFoundException(detail=_("No SCIM endpoint /%(path)s.", path=path))
