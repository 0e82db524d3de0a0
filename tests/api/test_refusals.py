"""Refusals: answered by each blueprint's error handler, remembered by one recorder."""

import re
from pathlib import Path

from flask import Flask
from sqlalchemy import select

from scim_gateway.db import transaction
from scim_gateway.refusals import remember
from seat_core import NoSeatAvailable, Requester
from seat_core.models import SeatRequest

from ..factories import gen_organization

PACKAGE = Path(__file__).resolve().parents[2] / "scim_gateway"
CAUGHT = re.compile(r"except\b.*\b(NoSeatAvailable|ContractExpired|SignInRefused|Refusal)\b")


def test_no_view_catches_a_refusal_to_write_a_second_transaction() -> None:
    caught = [
        f"{path.relative_to(PACKAGE)}:{number}"
        for path in PACKAGE.rglob("*.py")
        for number, line in enumerate(path.read_text().splitlines(), 1)
        if CAUGHT.search(line)
    ]

    assert caught == []


def test_the_sign_in_gate_lives_in_seat_core() -> None:
    assert not (PACKAGE / "gate").exists()


def test_the_recorder_remembers_a_named_refusal_once_in_a_transaction_of_its_own(
    app: Flask,
) -> None:
    with app.app_context():
        with transaction() as session:
            organization_id = gen_organization(session, seats=1).id
        refusal = NoSeatAvailable(organization="Acme", seats_in_use=1, seats_purchased=1)
        refusal.organization_id = organization_id
        refusal.requester = Requester(reason="no_seat", identity="Bob", identity_key="bob")

        first = remember(refusal, channel="scim")
        again = remember(refusal, channel="sso")

        with transaction() as session:
            [request] = session.scalars(select(SeatRequest)).all()
            assert (first, again) == (request.id, request.id)
            assert (request.identity, request.channel, request.attempts) == ("Bob", "sso", 2)


def test_the_recorder_remembers_nothing_of_a_refusal_that_names_nobody(app: Flask) -> None:
    with app.app_context():
        refusal = NoSeatAvailable(organization="Acme", seats_in_use=1, seats_purchased=1)

        assert remember(refusal, channel="scim") is None

        with transaction() as session:
            assert session.scalars(select(SeatRequest)).all() == []
