"""Alert mails and webhook summaries are written in the organization's language.

The mails go through `scim-gateway alerts deliver` (the worker's pass) to a real SMTP server;
the webhook to a real receiver. The payload's keys and codes stay as they are.
"""

from __future__ import annotations

import json
import re
from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from seat_core import purchase_seats, record_refusal
from seat_core.models import Organization
from tests.e2e.test_alerts_delivery import (
    database,
    deliver,
    environment,
    organization_with_endpoint,
    queue_messages,
)
from tests.support.servers import run_cli
from tests.support.webhooks import LOOPBACK_ALLOWED


def alerts_of(sqlite_url, smtp_server, language: str):
    """Refuse someone a seat and buy seats in an organization speaking language; mail both."""
    env = environment(sqlite_url, SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    now = datetime.now(UTC)
    with database(sqlite_url) as sessions:
        organization = organization_with_endpoint(sessions, None, owner=True)
        with sessions.begin() as session:
            acme = session.get_one(Organization, organization.id)
            acme.language = language
            record_refusal(
                session,
                acme,
                channel="sso",
                identity="bea@acme.test",
                identity_key="bea@acme.test",
                display_name="Bea",
                at=now,
            )
        with sessions.begin() as session:
            acme = session.scalars(select(Organization)).one()
            purchase_seats(session, acme, seats=5, on=date.today(), at=now)
        deliver(env)
    mails = smtp_server.wait_for(2, timeout=30)
    return {mail.message["X-Seat-Alert"]: mail.message for mail in mails}


def test_a_spanish_organizations_alerts_are_mailed_in_spanish(sqlite_url, smtp_server):
    mails = alerts_of(sqlite_url, smtp_server, "es")

    refused, bought = mails["seat.refused"], mails["seats.purchased"]
    assert refused["Subject"] == "[Acme] Asiento denegado a Bea (bea@acme.test)"
    text = refused.get_body(("plain",)).get_content().replace("\r\n", "\n")
    html = refused.get_body(("html",)).get_content()
    assert text.startswith("Se ha denegado un asiento a Bea (bea@acme.test)\n")
    assert "Se ha denegado el inicio de sesión (SSO) de Bea (bea@acme.test):" in text
    assert "Queda como solicitud de asiento." in text
    assert "Solicitudes de asiento: http://127.0.0.1:8000/admin/acme/seat-requests" in text
    assert "Recibe este mensaje porque es propietario de la organización" in text
    assert '<html lang="es">' in html and "Se ha denegado un asiento a Bea" in html
    assert re.fullmatch(
        r"\[Acme\] Asientos añadidos: ahora 15 asientos, factura \S+", bought["Subject"]
    )
    paragraph = bought.get_body(("plain",)).get_content().replace("\r\n", "\n")
    # A full year of 5 seats: the amount in Spanish (no group separator under five
    # digits, "US$" after it), the day in words.
    assert "Factura INV-000001: 1800,00\u00a0US$." in paragraph
    assert re.search(r"Se añadieron asientos el \d{1,2} de [a-z]+ de \d{4}\.", paragraph)


def test_an_english_organizations_alerts_stay_english(sqlite_url, smtp_server):
    mails = alerts_of(sqlite_url, smtp_server, "en")

    refused, bought = mails["seat.refused"], mails["seats.purchased"]
    assert refused["Subject"] == "[Acme] Seat refused for Bea (bea@acme.test)"
    text = refused.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "The sign-in (SSO) of Bea (bea@acme.test) was refused:" in text
    assert "You get this because you are an owner of the organization" in text
    assert '<html lang="en">' in refused.get_body(("html",)).get_content()
    assert re.fullmatch(r"\[Acme\] Seats added: 15 seats now, invoice \S+", bought["Subject"])
    paragraph = bought.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert "Invoice INV-000001: 1,800.00 USD." in paragraph
    assert re.search(r"Seats were added on \d{4}-\d\d-\d\d\.", paragraph)


@pytest.mark.parametrize(
    ("language", "summary"), [("es", "[Acme] Alerta de prueba"), ("en", "[Acme] Test alert")]
)
def test_a_webhooks_summary_is_in_the_organizations_language(
    sqlite_url, webhook_receiver, language, summary
):
    env = environment(sqlite_url, WEBHOOK_ALLOWED_NETWORKS=LOOPBACK_ALLOWED)
    with database(sqlite_url) as sessions:
        organization = organization_with_endpoint(sessions, webhook_receiver)
        with sessions.begin() as session:
            session.get_one(Organization, organization.id).language = language
        queue_messages(sessions, organization, 1)
        deliver(env)

    [received] = webhook_receiver.wait_for_accepted(1, timeout=30)
    body = json.loads(received.body)
    assert body["type"] == "webhook.test"
    assert body["data"]["summary"] == summary
    assert body["data"]["organization"] == {"slug": "acme", "name": "Acme"}


@pytest.mark.parametrize(
    ("language", "subject", "says"),
    [
        ("es", "[Acme] Le han invitado como Propietario", "El enlace funciona una sola vez"),
        ("en", "[Acme] You are invited as Owner", "The link works once, until 20"),
    ],
)
def test_an_owners_invitation_is_mailed_in_the_organizations_language(
    sqlite_url, smtp_server, language, subject, says
):
    env = environment(sqlite_url, SMTP_HOST=smtp_server.host, SMTP_PORT=smtp_server.port)
    with database(sqlite_url) as sessions:
        organization = organization_with_endpoint(sessions, None, owner=True)
        with sessions.begin() as session:
            session.get_one(Organization, organization.id).language = language
    invited = run_cli(["owner", "invite", "--org", "acme", "--email", "carmen@acme.test"], env=env)
    assert invited.returncode == 0, invited.stderr
    deliver(env)

    (mail,) = [m.message for m in smtp_server.wait_for(1, timeout=30)]
    assert mail["Subject"] == subject
    text = mail.get_body(("plain",)).get_content().replace("\r\n", "\n")
    assert says in text
    assert "http://127.0.0.1:8000/admin/acme/password?token=" in text
