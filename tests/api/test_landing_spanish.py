"""The landing page speaks the browser's language: Spanish when asked, English otherwise."""

from __future__ import annotations

from flask import Flask

SPANISH = {"Accept-Language": "es-ES,es;q=0.9,en;q=0.5"}


def test_the_landing_page_in_spanish(sqlite_app: Flask) -> None:
    sqlite_app.config["DEMO_ORGANIZATION"] = "demo"

    page = sqlite_app.test_client().get("/welcome", headers=SPANISH).text

    assert '<html lang="es">' in page and "<title>Bienvenida · SCIM Seat Gateway</title>" in page
    assert "Aprovisionamiento e inicio de sesión, limitados por los asientos" in page
    assert "Esta es la demostración: su organización es <strong>demo</strong>." in page
    assert "Iniciar sesión en demo" in page and "Ir a iniciar sesión" in page
    assert "Proveedores de identidad" in page and "Documentación" in page
    assert 'Lo que admite la pasarela está en <a href="/scim/v2/ServiceProviderConfig">' in page
    assert "http://127.0.0.1:8000/scim/v2" in page
    assert "Owners" not in page and "Sign in to see seat usage" not in page


def test_a_wrong_short_name_is_explained_in_spanish(sqlite_app: Flask) -> None:
    client = sqlite_app.test_client()

    empty = client.get("/sign-in?org=", headers=SPANISH)
    bad = client.get("/sign-in?org=../etc", headers=SPANISH)

    assert empty.status_code == 400 and "Escriba el nombre corto de su organización." in empty.text
    assert bad.status_code == 400 and "solo tiene letras minúsculas, cifras y guiones" in bad.text


def test_the_landing_page_stays_english_by_default(sqlite_app: Flask) -> None:
    page = sqlite_app.test_client().get("/welcome").text

    assert '<html lang="en">' in page and "<title>Welcome · SCIM Seat Gateway</title>" in page
    assert "Provisioning and sign-in, gated by the seats each organization has paid for." in page
    assert "Identity providers" in page and "Go to sign-in" in page
