"""SAML 2.0 sign-in set and read over the operator API, as `sso set-saml` and `sso show` do."""

from collections.abc import Iterator

import pytest
from sqlalchemy import select

from scim_gateway.db import transaction
from seat_core import get_organization
from seat_core.models import Event, SsoConfig
from seat_core.outbound import parse_networks
from tests.support.saml_idp import SamlIdp, start_saml_idp

from .conftest import create, org_body

URL = "/api/v1/operator/orgs/acme/sso/saml"
PRODUCT = "https://app.acme.test"


@pytest.fixture(scope="module")
def idp() -> Iterator[SamlIdp]:
    with start_saml_idp(current_days=20) as running:
        yield running


def stored(app):
    with app.app_context(), transaction() as session:
        config = session.get(SsoConfig, get_organization(session, "acme").id)
        if config is not None:
            session.expunge(config)
        return config


def configured(app):
    with app.app_context(), transaction() as session:
        rows = session.scalars(select(Event).where(Event.type == "sso.configured")).all()
        return [(row.actor_type, row.actor_label, row.subject, row.data) for row in rows]


def test_sets_saml_from_inline_metadata_and_reads_it_back(app, client, operator, idp):
    create(client, operator, org_body())
    headers = {"Authorization": operator}
    body = {
        "idp_metadata": idp.metadata(),
        "product_url": PRODUCT,
        "domains": ["Acme.test"],
        "idp_initiated": True,
        "sign_requests": True,
        "jit": False,
    }

    put = client.put(URL, json=body, headers=headers)
    read = client.get("/api/v1/operator/orgs/acme/sso", headers=headers)

    assert put.status_code == 200, put.json
    assert read.json == put.json
    shown = read.json
    assert (shown["protocol"], shown["idp_entity_id"], shown["issuer"]) == (
        "saml",
        idp.entity_id,
        idp.entity_id,
    )
    assert shown["idp_metadata_url"] is None
    assert (shown["idp_initiated"], shown["sign_requests"], shown["jit"]) == (True, True, False)
    assert shown["domains"] == ["acme.test"]
    assert shown["acs_url"].endswith("/sso/acme/saml/acs")
    assert shown["sp_certificate"].startswith("-----BEGIN CERTIFICATE-----")
    assert shown["sp_certificate_expires"] is not None
    assert "PRIVATE KEY" not in read.get_data(as_text=True)
    config = stored(app)
    assert (config.protocol, config.saml_metadata, config.product_url) == (
        "saml",
        idp.metadata(),
        PRODUCT,
    )
    assert shown["idp_certificate_expires"] == config.idp_cert_expires_at.isoformat()
    [(actor, label, subject, data)] = configured(app)
    assert (actor, label, subject) == ("operator", "crm-sync", idp.entity_id)
    assert data["protocol"] == "saml" and "saml_metadata" not in data


def test_switching_from_openid_connect_to_saml_drops_the_client_secret(app, client, operator, idp):
    create(client, operator, org_body())
    headers = {"Authorization": operator}
    oidc = {
        "issuer": "https://idp.acme.test",
        "client_id": "gateway",
        "client_secret": "s3cret-value",
        "product_url": PRODUCT,
    }
    assert (
        client.put("/api/v1/operator/orgs/acme/sso", json=oidc, headers=headers).status_code == 200
    )

    put = client.put(
        URL, json={"idp_metadata": idp.metadata(), "product_url": PRODUCT}, headers=headers
    )

    assert put.status_code == 200
    config = stored(app)
    assert (config.protocol, config.client_id, config.client_secret_encrypted) == (
        "saml",
        None,
        None,
    )
    assert (put.json["idp_initiated"], put.json["sign_requests"], put.json["jit"]) == (
        False,
        False,
        True,
    )


@pytest.mark.parametrize(
    ("xml", "says"),
    [
        ("<not-metadata/>", "describe one IdP, not 0"),
        (
            '<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x SYSTEM "file:///etc/passwd">]><m>&x;</m>',
            "not SAML metadata",
        ),
    ],
)
def test_refuses_metadata_it_cannot_use_as_a_problem_and_stores_nothing(
    app, client, operator, xml, says
):
    create(client, operator, org_body())

    response = client.put(
        URL,
        json={"idp_metadata": xml, "product_url": PRODUCT},
        headers={"Authorization": operator},
    )

    assert response.status_code == 422
    assert response.content_type == "application/problem+json"
    assert says in response.json["detail"]
    assert stored(app) is None
    assert configured(app) == []


def test_wants_the_metadata_once_from_one_place_and_no_other_field(client, operator, idp):
    create(client, operator, org_body())
    headers = {"Authorization": operator}
    both = {"idp_metadata": idp.metadata(), "idp_metadata_url": f"{idp.base_url}/metadata"}

    answers = [
        client.put(URL, json={**both, "product_url": PRODUCT}, headers=headers),
        client.put(URL, json={"product_url": PRODUCT}, headers=headers),
        client.put(URL, json={"idp_metadata": idp.metadata()}, headers=headers),
        client.put(URL, json={"idp_metadata": 5, "product_url": PRODUCT}, headers=headers),
        client.put(
            URL,
            json={"idp_metadata": idp.metadata(), "product_url": PRODUCT, "sp_key": "x"},
            headers=headers,
        ),
        client.put(URL, data="<xml/>", headers={**headers, "Content-Type": "text/xml"}),
    ]

    assert [answer.status_code for answer in answers] == [422, 422, 422, 422, 400, 400]
    assert all(a.content_type == "application/problem+json" for a in answers)
    assert client.get("/api/v1/operator/orgs/acme/sso", headers=headers).json["protocol"] is None


def test_fetches_metadata_only_from_an_allowed_address(app, client, operator, idp):
    create(client, operator, org_body())
    headers = {"Authorization": operator}
    body = {"idp_metadata_url": f"{idp.base_url}/metadata", "product_url": PRODUCT}

    refused = client.put(URL, json=body, headers=headers)
    app.config["WEBHOOK_ALLOWED_NETWORKS"] = parse_networks("127.0.0.1/32")
    fetched = client.put(URL, json=body, headers=headers)

    assert refused.status_code == 422 and "loopback" in refused.json["detail"]
    assert fetched.status_code == 200, fetched.json
    assert fetched.json["idp_metadata_url"] == f"{idp.base_url}/metadata"
    assert fetched.json["idp_entity_id"] == idp.entity_id
    config = stored(app)
    assert (config.saml_metadata_url, config.issuer) == (body["idp_metadata_url"], idp.entity_id)
    assert [actor for actor, *_ in configured(app)] == ["operator"]


def test_an_unknown_organization_is_a_problem_404(client, operator, idp):
    response = client.put(
        "/api/v1/operator/orgs/nope/sso/saml",
        json={"idp_metadata": idp.metadata(), "product_url": PRODUCT},
        headers={"Authorization": operator},
    )

    assert response.status_code == 404
    assert response.content_type == "application/problem+json"
