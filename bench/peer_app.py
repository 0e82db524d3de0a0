"""scim2-server in memory as a WSGI app for gunicorn: the peer the gateway is measured beside.

Built the way the `scim2-server` command builds its app (RFC 7643 schemas, User and Group,
a static bearer token, `InMemoryStorage`), but served by the same gunicorn as the gateway
rather than by the command's threaded wsgiref server. Run preloaded (as gunicorn.conf.py
does): the master seeds BENCH_PEER_USERS users before it forks, so every worker starts with
the same users to look up. Each worker then keeps its own copy: a user created on one worker
is unknown to the others, which the measured operations never need (lookups target seeded
users only).
"""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterable
from typing import Any

from scim2_models import ScimProvider
from scim2_server.memory import InMemoryStorage
from scim2_server.service import ScimService
from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
from scim2_server.utils import (
    load_default_resource_types,
    load_default_schemas,
    load_default_service_provider_config,
)

from .users import external_id, is_active, user_body, user_name

PREFIX = "/scim"
SCIM_JSON = "application/scim+json"


def build(token: str) -> tuple[BearerTokenApplication, ScimService, InMemoryStorage]:
    """Return the peer's WSGI app, its service and its storage, as `scim2-server` makes them."""
    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    service = ScimService(provider, secret=secrets.token_urlsafe(32))
    storage = InMemoryStorage()
    return BearerTokenApplication(storage, provider, service, [token]), service, storage


def seed(service: ScimService, storage: InMemoryStorage, slug: str, users: int) -> None:
    """Store `users` users named as the gateway's seeded members, through the peer's own API."""
    with service.provider:
        resource_type = service.get_resource_type("User")
        for index in range(users):
            body = user_body(
                user_name(slug, index), external_id(slug, index), active=is_active(index)
            )
            resource = service.read_creation(resource_type, body, SCIM_JSON)
            with storage.operation():
                storage.create(resource_type, resource)


def mount(inner: Any) -> Any:
    """Serve inner under /scim (the gateway's prefix) and answer /readyz, with a length."""

    def app(environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        path = environ.get("PATH_INFO", "")
        if path == "/readyz":
            start_response("200 OK", [("Content-Type", "text/plain"), ("Content-Length", "2")])
            return [b"ok"]
        if path.startswith(PREFIX + "/"):
            environ["SCRIPT_NAME"] = environ.get("SCRIPT_NAME", "") + PREFIX
            environ["PATH_INFO"] = path[len(PREFIX) :]
        answer: list[tuple[str, list[tuple[str, str]]]] = []

        def capture(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
            answer.append((status, headers))
            return lambda data: None

        # The bench client reads Content-Length and no chunked body: give it the length.
        body = b"".join(inner(environ, capture))
        status, headers = answer[0]
        headers = [(k, v) for k, v in headers if k.lower() != "content-length"]
        start_response(status, [*headers, ("Content-Length", str(len(body)))])
        return [body]

    return app


def _from_env() -> Any:
    inner, service, storage = build(os.environ["BENCH_PEER_TOKEN"])
    seed(service, storage, os.environ["BENCH_PEER_SLUG"], int(os.environ["BENCH_PEER_USERS"]))
    return mount(inner)


# gunicorn imports `bench.peer_app:app`; a plain import (tests, tools) builds nothing.
if "BENCH_PEER_TOKEN" in os.environ:
    app = _from_env()
