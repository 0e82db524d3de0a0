"""Problems of the owners' API in the language asked for, else the organization's."""

from __future__ import annotations

from datetime import UTC, datetime

from flask import Flask
from flask.testing import FlaskClient

from scim_gateway.db import transaction
from seat_core import get_organization
from seat_core.accounts import set_language

from .conftest import auth

SEATS = "/api/v1/orgs/acme/seats"
PURCHASES = "/api/v1/orgs/acme/seats/purchases"


def speak(app: Flask, language: str) -> None:
    with app.app_context(), transaction() as session:
        set_language(session, get_organization(session, "acme"), language, at=datetime.now(UTC))


def test_accept_language_es_gets_a_spanish_title_and_detail(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    response = client.get(
        SEATS + "?bogus=1", headers=auth(tokens["owner"], **{"Accept-Language": "es"})
    )

    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert response.json["title"] == "Solicitud incorrecta"
    assert (
        response.json["detail"]
        == "Parámetros de consulta desconocidos: bogus (admitidos: ninguno)."
    )
    assert response.json["type"] == "about:blank"


def test_a_spanish_organization_is_answered_in_spanish(
    app: Flask, client: FlaskClient, tokens: dict[str, str]
) -> None:
    speak(app, "es")

    missing = client.get("/api/v1/orgs/acme/invoices/NOPE", headers=auth(tokens["owner"]))
    refused = client.post(
        PURCHASES, json={"seats": 1}, headers=auth(tokens["owner"], **{"Idempotency-Key": "k"})
    )

    assert (missing.status_code, missing.json["title"]) == (404, "No encontrado")
    assert missing.json["detail"] == "No existe la factura 'NOPE' en esta organización."
    assert (refused.status_code, refused.json["title"]) == (403, "Prohibido")
    assert refused.json["detail"] == "Solo un Propietario principal puede comprar asientos."


def test_the_client_asking_english_is_answered_in_english(
    app: Flask, client: FlaskClient, tokens: dict[str, str]
) -> None:
    speak(app, "es")

    response = client.get(
        "/api/v1/orgs/acme/invoices/NOPE",
        headers=auth(tokens["owner"], **{"Accept-Language": "en"}),
    )

    assert response.json["title"] == "Not Found"
    assert response.json["detail"] == "No invoice 'NOPE' in this organization."


def test_an_english_organization_keeps_its_english_problems(
    client: FlaskClient, tokens: dict[str, str]
) -> None:
    response = client.get("/api/v1/orgs/acme/invoices/NOPE", headers=auth(tokens["owner"]))

    assert response.json == {
        "type": "about:blank",
        "title": "Not Found",
        "status": 404,
        "detail": "No invoice 'NOPE' in this organization.",
    }


def test_an_unknown_path_is_described_in_spanish(client: FlaskClient) -> None:
    response = client.get("/api/v1/nothing-here", headers={"Accept-Language": "es"})

    assert response.status_code == 404
    assert response.json["title"] == "No encontrado"
    assert response.json["detail"].startswith("La URL solicitada no se encontró")
