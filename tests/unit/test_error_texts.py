"""The seat core's refusals in English exactly as it writes them, and in Spanish."""

from datetime import date

import pytest
from flask import Flask

from scim_gateway import error_texts, i18n
from seat_core import (
    ContractExpired,
    InvalidIdentity,
    InvalidLanguage,
    InvalidQuantity,
    NoSeatAvailable,
    NotLicensed,
    PurchaseOutsideTerm,
    SeatError,
    SignInRefused,
    get_organization,
    identity_key,
)
from seat_core.accounts import set_language
from seat_core.billing import StaleQuote
from seat_core.models import Event
from seat_core.seat_policy import Releases
from seat_core.trust import Identity

from ..factories import AT, gen_organization

ERRORS = [
    NoSeatAvailable(organization="Acme", seats_in_use=3, seats_purchased=3),
    ContractExpired(organization="Acme", ended_on="2026-03-01"),
    NotLicensed(name="Ann", groups=["Engineering", "Sales"]),
    StaleQuote(quoted_on=date(2026, 3, 1), on=date(2026, 3, 2)),
    InvalidQuantity.said(
        "At most %(most)s seats can be added at once, not %(seats)s", most=10000, seats=20000
    ),
    PurchaseOutsideTerm.said(
        "The contract ended on %(day)s: renew it before adding seats", day=date(2026, 3, 1)
    ),
    SeatError("Something the table does not know"),
]


@pytest.fixture
def app() -> Flask:
    app = Flask("scim_gateway")  # its translations directory
    i18n.init_app(app)
    return app


@pytest.mark.parametrize("error", ERRORS, ids=lambda error: type(error).__name__)
def test_english_is_the_seat_cores_own_message(app, error):
    with app.test_request_context():
        assert error_texts.message(error) == error.message


def test_spanish_from_the_attributes_and_the_patterns(app):
    with app.test_request_context(headers={"Accept-Language": "es"}):
        said = [error_texts.message(error) for error in ERRORS]

    assert said == [
        "No hay ningún asiento libre en Acme: 3 de 3 asientos en uso. "
        "Un Propietario principal debe añadir asientos.",
        "El contrato de Acme terminó el 1 de marzo de 2026 y no se ha renovado. "
        "Un Propietario principal debe renovarlo antes de que se puedan ocupar asientos.",
        "Ann no está en ninguno de los grupos con licencia (Engineering, Sales): solo sus "
        "miembros pueden ocupar un asiento. Añádalo a uno de ellos en su proveedor de identidad.",
        "Ese presupuesto era para el 1 de marzo de 2026 y hoy es 2 de marzo de 2026: el precio "
        "cambia con la fecha, así que vuelva a presupuestar la compra",
        "Se pueden añadir como máximo 10000 asientos a la vez, no 20000",
        "El contrato terminó el 1 de marzo de 2026: renuévelo antes de añadir asientos",
        "Something the table does not know",
    ]


def test_an_error_made_from_a_sentence_keeps_it_and_its_values_and_writes_a_day_in_iso():
    error = PurchaseOutsideTerm.said(
        "The contract ended on %(day)s: renew it before adding seats", day=date(2026, 3, 1)
    )

    assert error.message == "The contract ended on 2026-03-01: renew it before adding seats"
    assert error.template == "The contract ended on %(day)s: renew it before adding seats"
    assert error.values == {"day": date(2026, 3, 1)}
    assert SeatError("plain").template is None


def test_the_seat_cores_own_refusal_of_an_identity_is_said_in_spanish(app):
    with pytest.raises(InvalidIdentity) as refused:
        identity_key("an\u200bn")

    with app.test_request_context(headers={"Accept-Language": "es"}):
        said = error_texts.message(refused.value)

    assert refused.value.message == "userName contains the invisible or control character U+200B"
    assert said == "userName contiene el carácter invisible o de control U+200B"


def test_releases_are_described_in_both_languages(app):
    few = Releases(count=1, names=["Ann"])
    many = Releases(count=7, names=["Ann", "Bob"])
    with app.test_request_context():
        assert error_texts.releases(many) == many.describe()
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert error_texts.releases(few) == (
            "1 titular de asiento que no está en ninguno de los grupos con licencia perdería "
            "su asiento: Ann."
        )
        assert error_texts.releases(many).endswith(": Ann, Bob y 5 más.")


def test_set_language_checks_the_language_and_logs_a_change(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, slug="acme")
        with pytest.raises(InvalidLanguage):
            set_language(session, organization, "fr", at=AT)
        assert set_language(session, organization, "es", at=AT) is True
        assert set_language(session, organization, "es", at=AT) is False
        assert get_organization(session, "acme").language == "es"
        changes = [
            event.data
            for event in session.query(Event).filter(Event.type == "organization.changed")
        ]
    assert changes == [{"language": "es"}]


def test_a_sign_in_refused_for_want_of_a_licence_names_the_groups_in_spanish(app):
    refusal = SignInRefused(
        "not_licensed",
        "You are not licensed to use Acme: ...",
        organization="Acme",
        organization_id=1,
        identity=Identity(issuer="https://idp.test", subject="ann", email="ann@acme.test"),
    )
    refusal.licensed_groups = ["Engineering", "Sales", "Support"]
    with app.test_request_context():
        assert error_texts.message(refusal) == refusal.message
    with app.test_request_context(headers={"Accept-Language": "es"}):
        assert error_texts.message(refusal) == (
            "No tiene licencia para usar Acme: el asiento corresponde a los miembros del grupo "
            "'Engineering' o 'Sales' o 'Support' en su proveedor de identidad. Pida a su "
            "administrador que le añada."
        )
