"""Alerts written in Spanish: every event's texts, with amounts and days as Spanish writes them."""

from __future__ import annotations

import pytest
from flask import Flask

import scim_gateway
from scim_gateway import i18n
from scim_gateway.outbox.messages import content_of, render_email, webhook_data

from .test_alert_texts import CASES, claim_of


@pytest.fixture
def app() -> Flask:
    app = Flask(scim_gateway.__name__)  # the package's templates and catalogs
    i18n.init_app(app)
    return app


def spanish(app: Flask, case: str) -> tuple[dict[str, object], str, str]:
    claim = claim_of(*CASES[case])
    with app.app_context(), i18n.in_language("es"):
        content = content_of(claim, "https://seats.example")
        text, html = render_email(content)
    return {"content": content, "summary": webhook_data(claim, content)["summary"]}, text, html


@pytest.mark.parametrize("case", sorted(CASES))
def test_every_alert_has_spanish_words(app: Flask, case: str) -> None:
    said, text, html = spanish(app, case)

    assert "%(" not in text and "%(" not in html
    assert text.rstrip().endswith(
        "Recibe este mensaje porque es propietario de la organización o se le añadió a sus alertas."
    )
    assert '<html lang="es">' in html
    assert str(said["summary"]).startswith("[Acme & Co] ")


def test_a_threshold_alert_writes_its_projection_in_spanish(app: Flask) -> None:
    said, text, _ = spanish(app, "threshold-90-runs-out")
    content = said["content"]

    assert said["summary"] == "[Acme & Co] 36 de 40 asientos en uso"
    assert (
        "al ritmo actual (+30 asientos cada 30 días) los asientos se agotan el 12 de marzo de 2025"
        in text
    )
    assert "Recomendación: añadir 294 asientos" in text
    assert "por 213.097,40\u00a0US$ (prorrateado)." in text
    assert content.action_label == "Añadir 294 asientos"  # type: ignore[attr-defined]


def test_a_refusal_alert_says_who_and_why_in_spanish(app: Flask) -> None:
    said, text, _ = spanish(app, "refused-sso-no-seat-counted")

    assert said["summary"] == "[Acme & Co] Asiento denegado a Ann Lee (ann@acme.test)"
    assert "Se ha denegado el inicio de sesión (SSO) de Ann Lee (ann@acme.test)" in text


@pytest.mark.parametrize(
    ("language", "pace", "written"),
    [
        ("en", 3.5, "+3.5 seats per 30 days"),
        ("es", 3.5, "+3,5 asientos cada 30 días"),
        ("en", 0.0, "+0 seats per 30 days"),
        ("es", -1.25, "-1,25 asientos cada 30 días"),
        ("en", 1234.5, "+1,234.5 seats per 30 days"),
        ("es", 1234.5, "+1234,5 asientos cada 30 días"),
        ("es", 12345.5, "+12.345,5 asientos cada 30 días"),
        ("en", 0.1 + 0.2, "+0.3 seats per 30 days"),
    ],
)
def test_a_pace_is_written_with_its_sign_and_the_languages_separators(
    app: Flask, language: str, pace: float, written: str
) -> None:
    # One writer for the alert's text and the forecast card alike.
    with app.app_context(), i18n.in_language(language):
        assert i18n.pace(pace) == written


def test_an_api_tokens_notice_names_it_and_its_owner_in_spanish(app: Flask) -> None:
    said, text, _ = spanish(app, "token-expiring-api")

    subject = "[Acme & Co] El token de API billing-script caduca el 7 de abril de 2025"
    assert said["summary"] == subject
    assert "Emita un token nuevo (`scim-gateway owner token`)" in text
    assert "Propietario: bob@acme.test" in text
