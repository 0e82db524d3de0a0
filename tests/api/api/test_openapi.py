"""The OpenAPI document matches the API: schemathesis generates requests from it, valid and
invalid, and checks every response (status, content type, headers, body) against it."""

import itertools
import re
import uuid
from urllib.parse import unquote

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from scim_gateway import create_app
from seat_core.text import refused_character
from tests.conftest import TEST_CONFIG

from .conftest import create_org


def exercise(operation, mode, headers):
    """Send up to 15 generated requests of one mode to one operation and validate them."""

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=15, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    def check(case):
        # Most cases address acme, to get past authentication to the real work; the
        # others keep a generated organization, which must be a documented 404.
        # An org the document refuses stays, so that the refusal is what gets checked;
        # schemathesis hands path parameters over percent-encoded.
        org = unquote(str((case.path_parameters or {}).get("org", "\x00")))
        if refused_character(org) is None and len(repr(case.body)) % 4:
            case.path_parameters["org"] = "acme"
        if mode == GenerationMode.POSITIVE and "Idempotency-Key" in (case.headers or {}):
            # A key generated twice is a documented 422, not a valid first request.
            case.headers["Idempotency-Key"] = str(uuid.uuid4())
        case.call_and_validate(headers=headers)

    check()


def test_the_api_answers_as_its_openapi_document_says(sqlite_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": sqlite_url, "MAX_SEATS_PER_PURCHASE": 50})
    tokens = create_org(app, seats=5)
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]

    for operation, mode in itertools.product(operations, GenerationMode):
        exercise(operation, mode, {"Authorization": tokens["primary"]})

    app.extensions["db"].dispose()
    assert len(operations) == 11


def test_the_document_is_served_as_openapi_3_1(sqlite_app):
    document = sqlite_app.test_client().get("/api/v1/openapi.json").json

    assert document["openapi"] == "3.1.0"
    assert set(document["paths"]) == {
        "/orgs/{org}/seats",
        "/orgs/{org}/seats/quote",
        "/orgs/{org}/seats/purchases",
        "/orgs/{org}/invoices",
        "/orgs/{org}/invoices/{number}",
        "/orgs/{org}/seat-requests",
        "/orgs/{org}/events",
        "/orgs/{org}/seat-policy",
        "/orgs/{org}/tokens",
        "/orgs/{org}/sign-ins",
    }


def _operations(document):
    return {
        (method.upper(), path)
        for path, operations in document["paths"].items()
        for method in operations
    }


def _served(app, prefix, *, but=()):
    return {
        (method, re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", rule.rule.removeprefix(prefix)))
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith(prefix + "/")
        and not rule.rule.endswith("/openapi.json")
        and not any(rule.rule.startswith(other) for other in but)
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }


def test_the_document_describes_every_route_the_api_serves(sqlite_app):
    client = sqlite_app.test_client()
    owners = client.get("/api/v1/openapi.json").json
    operators = client.get("/api/v1/operator/openapi.json").json
    operator_base = operators["servers"][0]["url"]

    # Each document is not an operation of the API it describes; the operators' API has its own.
    assert _served(sqlite_app, "/api/v1", but=("/api/v1/operator/",)) == _operations(owners)
    assert _served(sqlite_app, operator_base) == _operations(operators)
