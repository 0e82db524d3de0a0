"""SCIM errors in the organization's language, or in the one the client asks for."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from flask import Flask

from scim_gateway.db import transaction
from seat_core import get_organization
from seat_core.accounts import set_language

from .conftest import Scim, user


def speak(app: Flask, slug: str, language: str) -> None:
    """Set the organization's language, as the command line and the operators do."""
    with app.app_context(), transaction() as session:
        set_language(session, get_organization(session, slug), language, at=datetime.now(UTC))


def test_a_spanish_organization_hears_its_seat_refusal_in_spanish(
    app: Flask, make_scim: Callable[..., Scim]
) -> None:
    scim = make_scim("acme", seats=1)
    speak(app, "acme", "es")
    scim.create_user("ann@acme.test")

    response = scim.post("/Users", user("bob@acme.test"))

    assert response.status_code == 403
    assert response.json["scimType"] == "seatLimitReached"
    assert response.json["detail"] == (
        "No hay ningún asiento libre en Acme: 1 de 1 asientos en uso. "
        "Un Propietario principal debe añadir asientos."
    )


def test_an_english_organization_hears_the_same_refusal_as_before(
    make_scim: Callable[..., Scim],
) -> None:
    scim = make_scim("acme", seats=1)
    scim.create_user("ann@acme.test")

    response = scim.post("/Users", user("bob@acme.test"))

    assert response.json["scimType"] == "seatLimitReached"
    assert response.json["detail"] == (
        "No seat available in Acme: 1 of 1 seats in use. A Primary Owner must add seats."
    )


def test_not_found_and_filter_errors_in_spanish(app: Flask, scim: Scim) -> None:
    speak(app, "acme", "es")

    missing = scim.get("/Users/nobody")
    unsupported = scim.get("/Users", query_string={"filter": 'nickName eq "x"'})
    method = scim.request("DELETE", "/Users")
    mistyped = scim.get("/Users", query_string={"filter": 'active eq "yes"'})

    assert missing.status_code == 404
    assert missing.json["detail"] == "No existe el usuario 'nobody'."
    assert unsupported.status_code == 400
    assert unsupported.json["scimType"] == "invalidFilter"
    assert unsupported.json["detail"].startswith("No se admite filtrar por «nickName»")
    assert method.json["detail"] == "Use GET o POST en /Users."
    assert mistyped.json["scimType"] == "invalidFilter"
    assert mistyped.json["detail"] == "«active» es un booleano; no se puede comparar con un texto."


def test_the_same_errors_in_english(scim: Scim) -> None:
    missing = scim.get("/Users/nobody")
    unsupported = scim.get("/Users", query_string={"filter": 'nickName eq "x"'})

    assert missing.json["detail"] == "No user 'nobody'."
    assert unsupported.json["scimType"] == "invalidFilter"
    assert unsupported.json["detail"].startswith("Filtering on 'nickName' is not supported")


def test_the_clients_accept_language_comes_before_the_organizations(app: Flask, scim: Scim) -> None:
    speak(app, "acme", "es")

    english = scim.get("/Users/nobody", headers={"Accept-Language": "en"})
    spanish = scim.get("/Groups/nobody", headers={"Accept-Language": "es-ES"})

    assert english.json["detail"] == "No user 'nobody'."
    assert spanish.json["detail"] == "No existe el grupo 'nobody'."


def test_an_unknown_token_is_refused_in_the_language_asked_for(scim: Scim) -> None:
    response = scim.client.get(
        "/scim/v2/Users",
        headers={"Authorization": "Bearer scim_nothing", "Accept-Language": "es"},
    )

    assert response.status_code == 401
    assert response.json["detail"] == "El token bearer es desconocido, está revocado o ha caducado."
