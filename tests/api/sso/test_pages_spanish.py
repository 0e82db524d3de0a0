"""The members' sign-in pages in Spanish: by the browser's Accept-Language, or, when the
browser asks for no language, by the organization's; English stays the default."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from scim_gateway.db import transaction
from scim_gateway.sso import views
from seat_core import Identity
from seat_core.models import Organization
from seat_core.web_sessions import Flow
from tests.factories import UNREACHABLE_ISSUER, gen_member, gen_organization, gen_sso_config

SPANISH = {"Accept-Language": "es-ES,es;q=0.9"}


@pytest.fixture
def acme(sqlite_app: Flask, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """Acme with SSO, its one seat taken; any callback vouches for bea@acme.test."""
    with sqlite_app.app_context(), transaction() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "ann@acme.test")
        gen_sso_config(session, organization)
    bea = Identity(
        issuer=UNREACHABLE_ISSUER, subject="sub-bea", email="bea@acme.test", email_verified=True
    )
    monkeypatch.setattr(
        views.sessions, "take_flow", lambda provider, state: Flow("v", "n", "member")
    )
    monkeypatch.setattr(views, "verify_callback", lambda provider, client, flow: (bea, None))
    return sqlite_app


def speaking(app: Flask, language: str) -> None:
    with app.app_context(), transaction() as session:
        organization = session.scalars(select(Organization)).one()
        organization.language = language


def refused_then_requested(client: FlaskClient, **headers: Any) -> tuple[str, str]:
    """Sign in with no seat free, then ask for one: both pages' texts."""
    refused = client.get("/sso/acme/callback?state=s&code=c", headers=headers)
    assert refused.status_code == 403
    with client.session_transaction() as cookie:
        token = cookie["csrf_token"]
    requested = client.post("/sso/acme/request-seat", data={"csrf_token": token}, headers=headers)
    assert requested.status_code == 200
    return refused.text, requested.text


def test_the_refusal_and_request_pages_follow_the_browsers_spanish(acme: Flask) -> None:
    refused, requested = refused_then_requested(acme.test_client(), **SPANISH)

    assert '<html lang="es">' in refused
    assert "Aún no tiene asiento" in refused
    assert "No puede iniciar sesión en Acme: su único asiento está en uso (1 de 1)." in refused
    assert "Se ha avisado a los propietarios de Acme." in refused
    assert "Solicitar un asiento" in refused and "Request a seat" not in refused
    assert '<html lang="es">' in requested and "Asiento solicitado" in requested
    assert "Su solicitud de asiento en Acme está en la lista de los propietarios" in requested
    assert "Intentar iniciar sesión de nuevo" in requested


def test_a_spanish_organization_speaks_spanish_to_a_browser_that_asks_for_nothing(
    acme: Flask,
) -> None:
    speaking(acme, "es")
    client = acme.test_client()

    refused, requested = refused_then_requested(client)
    signed_out = client.get("/sso/acme/signed-out").text
    error = client.get("/sso/acme/login")

    assert '<html lang="es">' in refused and "Solicitar un asiento" in refused
    assert "Asiento solicitado" in requested
    assert '<html lang="es">' in signed_out and "Ha cerrado sesión." in signed_out
    assert "Volver a iniciar sesión" in signed_out
    assert error.status_code == 502 and "Proveedor de identidad inaccesible" in error.text
    assert "No se puede contactar con el proveedor de identidad de Acme." in error.text


def test_the_browsers_english_wins_over_a_spanish_organization(acme: Flask) -> None:
    speaking(acme, "es")

    refused, _ = refused_then_requested(acme.test_client(), **{"Accept-Language": "en"})

    assert '<html lang="en">' in refused and "Request a seat" in refused


def test_the_pages_stay_english_by_default(acme: Flask) -> None:
    client = acme.test_client()

    refused, requested = refused_then_requested(client)
    signed_out = client.get("/sso/acme/signed-out").text

    assert '<html lang="en">' in refused and "No seat for you yet" in refused
    assert "You cannot sign in to Acme: all 1 seats are in use (1 of 1)." in refused
    assert "Request a seat" in refused
    assert "on the owners' list" in requested
    assert "You are signed out." in signed_out and '<html lang="en">' in signed_out


def test_an_error_page_in_spanish_for_the_browser(acme: Flask) -> None:
    client = acme.test_client()

    missing = client.get("/sso/nobody/login", headers=SPANISH)
    expired = client.post("/sso/acme/request-seat", data={"csrf_token": "x"}, headers=SPANISH)

    assert missing.status_code == 404 and "No encontrado" in missing.text
    assert "El inicio de sesión único no está configurado para &#39;nobody&#39;" in missing.text
    assert expired.status_code == 400 and "Este formulario ha caducado." in expired.text
    assert '<html lang="es">' in expired.text


def test_the_sign_out_page_in_spanish(acme: Flask) -> None:
    page = acme.test_client().get("/sso/acme/logout", headers=SPANISH).text

    assert "¿Cerrar sesión en Acme?" in page and "Cerrar sesión</button>" in page


def test_a_refusal_says_its_reason_in_spanish(acme: Flask) -> None:
    from seat_core.models import SsoConfig

    with acme.app_context(), transaction() as session:
        session.scalars(select(SsoConfig)).one().jit = False

    english = acme.test_client().get("/sso/acme/callback?state=s&code=c").text
    spanish = acme.test_client().get("/sso/acme/callback?state=s&code=c", headers=SPANISH).text

    assert "Acme admits only people already provisioned; bea@acme.test is not one" in english
    assert (
        "No puede iniciar sesión en Acme: Acme solo admite a personas ya aprovisionadas; "
        "bea@acme.test aún no es una de ellas."
    ) in spanish
    assert "Un propietario debe añadirle para que pueda iniciar sesión." in spanish


def test_the_groups_that_grant_a_seat_are_named_in_the_pages_language(acme: Flask) -> None:
    from seat_core import set_policy
    from tests.factories import AT, gen_group

    with acme.app_context(), transaction() as session:
        organization = session.scalars(select(Organization)).one()
        set_policy(
            session,
            organization.id,
            at=AT,
            licensed_groups=["Engineering", "Support"],
            confirm_releases=True,
        )
        gen_group(session, organization, "Engineering")
        gen_group(session, organization, "Support")

    english = acme.test_client().get("/sso/acme/callback?state=s&code=c")
    spanish = acme.test_client().get("/sso/acme/callback?state=s&code=c", headers=SPANISH)

    assert english.status_code == spanish.status_code == 403
    assert (
        'A seat comes with membership of the group <strong class="licensed-group">Engineering'
        '</strong> or the group <strong class="licensed-group">Support</strong> in your '
        "identity provider."
    ) in english.text
    assert "<title>Sin licencia · Acme</title>" in spanish.text
    assert (
        'Para tener un asiento debe estar en el grupo <strong class="licensed-group">'
        'Engineering</strong> o el grupo <strong class="licensed-group">Support</strong>'
    ) in spanish.text
