"""The on-the-spot renewal: one step the callers of the take run before it."""

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from seat_core import Identity, Policy, admit, assign_seat, renew_lapsed
from seat_core.models import Contract, Invoice
from tests.factories import gen_member, gen_organization

AFTER = datetime(2026, 1, 2, 9, tzinfo=UTC)  # the day after the first term's end


def terms(session) -> tuple[int, date, int]:
    contract = session.scalars(select(Contract)).one()
    return contract.term_index, contract.term_start, contract.seats_used


def test_renew_lapsed_renews_an_ended_auto_renewing_term_once(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        gen_member(session, organization, "ann")

        renew_lapsed(session, organization.id, at=AFTER)
        renew_lapsed(session, organization.id, at=AFTER)

        assert terms(session) == (1, date(2026, 1, 1), 1)
        assert len(session.scalars(select(Invoice)).all()) == 1


@pytest.mark.parametrize(
    ("auto_renew", "at"),
    [(False, AFTER), (True, datetime(2025, 12, 31, 9, tzinfo=UTC))],
    ids=["no-auto-renew", "term-not-ended"],
)
def test_renew_lapsed_leaves_a_term_that_is_not_due(sessions, auto_renew, at):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5, auto_renew=auto_renew)

        renew_lapsed(session, organization.id, at=at)

        assert terms(session) == (0, date(2025, 1, 1), 0)
        assert session.scalars(select(Invoice)).all() == []


def test_a_sign_in_after_the_term_renews_then_takes_a_seat(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        identity = Identity(
            issuer="https://idp.acme.test",
            subject="s-bo",
            email="bo@acme.test",
            email_verified=True,
        )
        policy = Policy(jit=True, domains=frozenset({"acme.test"}))

        admission = admit(session, organization, identity, policy, at=AFTER)

        assert admission.created and admission.seat_taken
        assert terms(session) == (1, date(2026, 1, 1), 1)


def test_an_owner_assigning_a_seat_after_the_term_renews_then_takes_it(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        bob = gen_member(session, organization, "bob", active=False)

        assert assign_seat(session, bob, at=AFTER) is True
        # Renewed at the plan's minimum of one seat, no one holding one at the end.
        assert terms(session) == (1, date(2026, 1, 1), 1)
