"""The owners' pages in English or Spanish: the owner's choice, the browser's, the organization's.

English stays the default; an owner's own choice beats the browser's Accept-Language, which
beats the organization's language; pages seen signed out speak the organization's language
unless the browser asks for one the gateway speaks.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from scim_gateway.db import transaction
from seat_core import find_owner, get_organization
from seat_core.invitations import send_reset
from seat_core.models import Event

from .conftest import PRIMARY, csrf, post_form, sign_in

SPANISH = {"HTTP_ACCEPT_LANGUAGE": "es"}
FRENCH = {"HTTP_ACCEPT_LANGUAGE": "fr"}

# Each signed-in page: its address, a text it shows in English, the same in Spanish.
SIGNED_IN_PAGES = [
    ("/admin/acme/members", "No members yet.", "Aún no hay miembros."),
    ("/admin/acme/seat-requests", "No pending seat requests.", "No hay solicitudes de asiento"),
    ("/admin/acme/seat-requests?status=admitted", "Admitted", "Admitidas"),
    ("/admin/acme/owners", "Invite an owner", "Invitar a un propietario"),
    ("/admin/acme/activity", "Who did what, and when", "Quién hizo qué, y cuándo"),
    ("/admin/acme/activity?type=nope", "is not an event type.", "no es un tipo de evento."),
    ("/admin/acme/alerts", "When to alert", "Cuándo avisar"),
    ("/admin/acme/billing", "Save seat policy", "Guardar política de asientos"),
]
# Each page seen signed out, likewise.
SIGNED_OUT_PAGES = [
    ("/admin/acme/login", "Forgot your password?", "¿Ha olvidado su contraseña?"),
    ("/admin/acme/password-reset", "Mail me a link", "Envíenme un enlace"),
    ("/admin/acme/logout", "Stay signed in", "Mantener la sesión"),
    ("/admin/acme/password?token=not-a-link", "This link no longer works", "ya no funciona"),
    ("/admin/nowhere/login", "There is no organization", "No hay ninguna organización"),
]


def set_organization_language(app, language: str) -> None:
    with app.app_context(), transaction() as session:
        get_organization(session, "acme").language = language


def set_owner_language(app, email: str, language: str | None) -> None:
    with app.app_context(), transaction() as session:
        find_owner(session, get_organization(session, "acme"), email).language = language


def in_spanish(client: FlaskClient, url: str) -> str:
    return client.get(url, environ_overrides=SPANISH).text


@pytest.mark.parametrize(("url", "english", "spanish"), SIGNED_IN_PAGES)
def test_each_owners_page_speaks_spanish_when_the_browser_asks(primary, url, english, spanish):
    page = in_spanish(primary, url)

    assert spanish in page and english not in page
    assert '<html lang="es">' in page
    assert "Idioma" in page and "Cerrar sesión" in page


@pytest.mark.parametrize(("url", "english", "spanish"), SIGNED_IN_PAGES)
def test_each_owners_page_stays_english_by_default(primary, url, english, spanish):
    page = primary.get(url).text

    assert english in page and spanish not in page
    assert '<html lang="en">' in page


@pytest.mark.parametrize(("url", "english", "spanish"), SIGNED_OUT_PAGES)
def test_each_signed_out_page_speaks_the_browsers_language(client, acme, url, english, spanish):
    assert english in client.get(url).text
    page = in_spanish(client, url)
    assert spanish in page and english not in page


def test_the_pages_about_members_and_requests_speak_spanish(primary, app):
    from .test_pages import add_members, refuse

    (member_id,) = add_members(app, "alice@acme.test")
    refuse(app, "zoe@acme.test")

    members = in_spanish(primary, "/admin/acme/members")
    unassign = in_spanish(primary, f"/admin/acme/members/{member_id}/unassign")
    requests = in_spanish(primary, "/admin/acme/seat-requests")

    assert "Tiene asiento" in members and "Retirar asiento" in members
    assert "¿Retirar el asiento de alice@acme.test?" in unassign
    assert "Admitir" in requests and "Descartar" in requests
    assert "asientos están libres." in requests


def test_a_flash_speaks_the_owners_language(primary, app):
    from .test_pages import add_members

    (member_id,) = add_members(app, "alice@acme.test")
    set_owner_language(app, PRIMARY, "es")

    freed = post_form(
        primary,
        f"/admin/acme/members/{member_id}/unassign",
        f"/admin/acme/members/{member_id}/unassign",
    )

    assert (
        "Asiento liberado: alice@acme.test está ahora inactivo." in primary.get(freed.location).text
    )


def test_the_set_password_and_two_factor_pages_speak_the_organizations_language(client, app, acme):
    set_organization_language(app, "es")
    with app.app_context(), transaction() as session:
        owner = find_owner(session, get_organization(session, "acme"), PRIMARY)
        send_reset(session, owner, secret="known-secret", sealed_link="-", at=datetime.now(UTC))
        get_organization(session, "acme").owner_totp_required = True

    page = client.get("/admin/acme/password?token=known-secret").text
    signed_in = sign_in(client)
    enrol = client.get(signed_in.location).text

    assert "Establezca su contraseña de Acme" in page
    assert "Añadir un autenticador para Acme" in enrol


def test_the_owners_own_choice_beats_the_browsers(primary, app):
    set_owner_language(app, PRIMARY, "es")
    assert (
        "Aún no hay miembros."
        in primary.get("/admin/acme/members", environ_overrides={"HTTP_ACCEPT_LANGUAGE": "en"}).text
    )

    set_owner_language(app, PRIMARY, "en")
    assert "No members yet." in in_spanish(primary, "/admin/acme/members")


def test_an_organization_in_spanish_speaks_it_to_a_browser_that_asks_nothing(client, app, acme):
    set_organization_language(app, "es")

    login = client.get("/admin/acme/login").text
    sign_in(client)
    members = client.get("/admin/acme/members").text

    assert "Iniciar sesión en Acme" in login and '<html lang="es">' in login
    assert "Aún no hay miembros." in members


def test_a_language_the_gateway_does_not_speak_falls_back_to_the_organizations(client, app, acme):
    assert "Sign in to Acme" in client.get("/admin/acme/login", environ_overrides=FRENCH).text

    set_organization_language(app, "es")

    assert (
        "Iniciar sesión en Acme" in client.get("/admin/acme/login", environ_overrides=FRENCH).text
    )
    sign_in(client)
    assert (
        "Aún no hay miembros." in client.get("/admin/acme/members", environ_overrides=FRENCH).text
    )


def test_an_owner_chooses_their_language_and_goes_back(primary, app):
    chosen = post_form(
        primary,
        "/admin/acme/members",
        "/admin/acme/language",
        language="es",
        back="/admin/acme/members",
    )
    assert chosen.status_code == 302 and chosen.location.endswith("/admin/acme/members")
    assert "Aún no hay miembros." in primary.get(chosen.location).text

    post_form(primary, "/admin/acme/members", "/admin/acme/language", language="browser")
    with app.app_context(), transaction() as session:
        assert find_owner(session, get_organization(session, "acme"), PRIMARY).language is None
    assert "No members yet." in primary.get("/admin/acme/members").text


def test_the_header_offers_the_language_choice_with_its_name(primary):
    page = primary.get("/admin/acme/members").text
    spanish = in_spanish(primary, "/admin/acme/members")

    assert '<label for="owner-language" class="visually-hidden">Language</label>' in page
    assert '<label for="owner-language" class="visually-hidden">Idioma</label>' in spanish
    assert '<option value="es" lang="es">Español</option>' in page


@pytest.mark.parametrize("value", ["fr", "", "ES", "x" * 300])
def test_an_owner_cannot_choose_a_language_the_gateway_does_not_speak(primary, app, value):
    refused = post_form(primary, "/admin/acme/members", "/admin/acme/language", language=value)

    assert refused.status_code == 400
    assert "is not a language of these pages: choose English or Español." in refused.text
    with app.app_context(), transaction() as session:
        assert find_owner(session, get_organization(session, "acme"), PRIMARY).language is None


def test_the_language_choice_goes_back_only_to_this_organizations_pages(primary):
    chosen = post_form(
        primary, "/admin/acme/members", "/admin/acme/language", language="en",
        back="https://evil.test/admin/acme/members",
    )  # fmt: skip

    assert chosen.status_code == 302 and "evil.test" not in chosen.location


def test_the_primary_owner_sets_the_organizations_language_and_it_is_logged(primary, app):
    saved = post_form(primary, "/admin/acme/owners", "/admin/acme/owners/language", language="es")

    assert saved.status_code == 302
    assert saved.location.endswith("/admin/acme/owners#language-heading")
    page = primary.get(saved.location).text
    assert 'data-testid="language-saved">El idioma de la organización es ahora Español.' in page
    with app.app_context(), transaction() as session:
        assert get_organization(session, "acme").language == "es"
        changed = session.scalars(select(Event).where(Event.type == "organization.changed")).all()
    assert [event.data for event in changed] == [{"language": "es"}]
    assert changed[0].actor_label == PRIMARY


def test_the_organizations_language_is_the_primary_owners_to_set(owner, app):
    page = owner.get("/admin/acme/owners").text
    refused = post_form(owner, "/admin/acme/owners", "/admin/acme/owners/language", language="es")

    assert "organization-language" not in page
    assert refused.status_code == 403 and "Only a Primary Owner can do this." in refused.text
    with app.app_context(), transaction() as session:
        assert get_organization(session, "acme").language == "en"


@pytest.mark.parametrize("value", ["fr", "", "browser"])
def test_the_organizations_language_must_be_one_the_gateway_speaks(primary, app, value):
    refused = post_form(
        primary, "/admin/acme/owners", "/admin/acme/owners/language", language=value
    )

    assert refused.status_code == 400
    assert "is not a language of these pages" in refused.text
    with app.app_context(), transaction() as session:
        assert get_organization(session, "acme").language == "en"


def test_the_owners_page_shows_the_organizations_language_to_its_primary_owner(primary, app):
    set_organization_language(app, "es")

    page = primary.get("/admin/acme/owners", environ_overrides={"HTTP_ACCEPT_LANGUAGE": "en"}).text
    saved = primary.post(
        "/admin/acme/owners/language",
        data={"language": "es", "csrf_token": csrf(page)},
        environ_overrides={"HTTP_ACCEPT_LANGUAGE": "en"},
    )
    again = primary.get(saved.location, environ_overrides={"HTTP_ACCEPT_LANGUAGE": "en"}).text

    assert '<option value="es" lang="es" selected>Español</option>' in page
    assert "Organization language" in page
    assert "The organization&#39;s language stays Español." in again


def test_an_owner_who_is_not_primary_sees_the_forbidden_page_in_spanish(owner):
    refused = owner.post(
        "/admin/acme/owners/language",
        data={"language": "es", "csrf_token": csrf(owner.get("/admin/acme/owners").text)},
        environ_overrides=SPANISH,
    )

    assert refused.status_code == 403
    assert "Solo un Propietario principal puede hacer esto." in refused.text


def test_a_refused_seat_is_told_in_spanish(client, app):
    from .conftest import create_acme
    from .test_pages import add_members

    create_acme(app, seats=1)
    add_members(app, "alice@acme.test")
    (member_id,) = add_members(app, "zed@acme.test", active=False)
    sign_in(client)
    set_owner_language(app, PRIMARY, "es")

    refused = post_form(client, "/admin/acme/members", f"/admin/acme/members/{member_id}/assign")

    assert (
        "No hay ningún asiento libre en Acme: 1 de 1 asientos en uso."
        in client.get(refused.location).text
    )


def test_a_spent_link_is_refused_in_spanish(client, acme):
    page = in_spanish(client, "/admin/acme/password?token=spent")

    assert "Este enlace ya se ha usado, ha caducado o no es de esta organización." in page


def test_the_confirmation_of_released_seats_speaks_spanish(primary, app):
    from .test_licensed_pages import BILLING, members

    members(app, licensed=None, active=True)
    set_owner_language(app, PRIMARY, "es")

    asked = post_form(
        primary, BILLING, f"{BILLING}/policy",
        licensed_groups="Engineering", reclaim_after_days="", exempt_groups="",
    )  # fmt: skip

    assert "¿Liberar 1 asiento?" in asked.text
    assert (
        "1 titular de asiento que no está en ninguno de los grupos con licencia perdería su "
        "asiento: "
        "bob@acme.test." in asked.text
    )
    assert "Liberar asientos y guardar" in asked.text


def test_a_refused_seat_policy_field_is_told_in_spanish(primary, app):
    set_owner_language(app, PRIMARY, "es")

    refused = post_form(
        primary, "/admin/acme/billing", "/admin/acme/billing/policy",
        licensed_groups="", reclaim_after_days="7", exempt_groups="",
    )  # fmt: skip

    assert "La política de asientos no se ha guardado: corrija el campo marcado abajo." in (
        refused.text
    )
    assert "7 días es demasiado corto." in refused.text
