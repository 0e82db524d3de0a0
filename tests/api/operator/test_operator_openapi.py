"""The operator API answers as its OpenAPI document says (schemathesis, both modes)."""

import itertools
import uuid
from urllib.parse import unquote

import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode

from scim_gateway import create_app
from seat_core.text import refused_character
from tests.conftest import TEST_CONFIG
from tests.support.saml_idp import start_saml_idp

from .conftest import create, operator_header, org_body


class WithMetadata:
    """An operation whose valid bodies carry a real IdP's metadata document.

    Metadata the gateway accepts names an IdP and its signing certificate, which no schema
    generates; and a URL would be fetched. The case is mapped outside check(), whose source
    seeds the derandomized examples of every other operation.
    """

    def __init__(self, operation, metadata):
        self.operation, self.metadata = operation, metadata

    def as_strategy(self, generation_mode):
        strategy = self.operation.as_strategy(generation_mode=generation_mode)
        if generation_mode != GenerationMode.POSITIVE:
            return strategy
        return strategy.map(self.with_metadata)

    def with_metadata(self, case):
        case.body.pop("idp_metadata_url", None)
        case.body["idp_metadata"] = self.metadata
        return case


def exercise(operation, mode, headers, metadata):
    """Send up to 10 generated requests of one mode to one operation and validate them."""
    if operation.label.endswith("/sso/saml"):
        operation = WithMetadata(operation, metadata)

    @given(case=operation.as_strategy(generation_mode=mode))
    @settings(
        max_examples=10,
        deadline=None,
        database=None,
        derandomize=True,
        suppress_health_check=list(HealthCheck),
    )
    def check(case):
        # Most cases address acme, to get past the lookup to the real work.
        org = unquote(str((case.path_parameters or {}).get("org", "\x00")))
        if refused_character(org) is None and len(repr(case.body)) % 4:
            case.path_parameters["org"] = "acme"
        if mode == GenerationMode.POSITIVE and "Idempotency-Key" in (case.headers or {}):
            case.headers["Idempotency-Key"] = str(uuid.uuid4())
        body = case.body if isinstance(case.body, dict) else {}
        if mode == GenerationMode.POSITIVE and body.get("min_seats", 0) > body.get("seats", 0):
            # A minimum above the seats is a documented 422 no schema can express.
            body["min_seats"], body["seats"] = body["seats"], body["min_seats"]
        case.call_and_validate(headers=headers)

    check()


def test_the_operator_api_answers_as_its_openapi_document_says(sqlite_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": sqlite_url})
    header = operator_header(app)
    client = app.test_client()
    assert create(client, header, org_body()).status_code == 201
    sso = {
        "issuer": "https://idp.test",
        "client_id": "g",
        "client_secret": "s",
        "product_url": "https://app.test",
    }
    assert (
        client.put(
            "/api/v1/operator/orgs/acme/sso", json=sso, headers={"Authorization": header}
        ).status_code
        == 200
    )
    schema = schemathesis.openapi.from_wsgi("/api/v1/operator/openapi.json", app)
    operations = [result.ok() for result in schema.get_all_operations()]

    with start_saml_idp(rollover=False) as idp:
        metadata = idp.metadata()
    for operation, mode in itertools.product(operations, GenerationMode):
        exercise(operation, mode, {"Authorization": header}, metadata)

    app.extensions["db"].dispose()
    assert len(operations) == 16


def test_the_document_is_public_and_the_owners_document_is_unchanged(sqlite_app):
    client = sqlite_app.test_client()

    operator = client.get("/api/v1/operator/openapi.json").json
    owners = client.get("/api/v1/openapi.json").json

    assert operator["openapi"] == "3.1.0"
    assert "/orgs" in operator["paths"]
    assert not any(path.startswith("/operator") for path in owners["paths"])
