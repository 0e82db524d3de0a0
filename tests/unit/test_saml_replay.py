"""The replay cache of SAML assertion ids, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from seat_core import accept_assertion
from seat_core.models import SamlAssertion
from tests.factories import gen_organization

AT = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)


def test_an_assertion_id_is_accepted_once_per_organization(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        acme = gen_organization(session, slug="acme").id
        globex = gen_organization(session, slug="globex").id
    until = AT + timedelta(minutes=5)

    with sessions.begin() as session:
        first = accept_assertion(session, acme, "_a1", not_on_or_after=until, at=AT)
    with sessions.begin() as session:
        again = accept_assertion(session, acme, "_a1", not_on_or_after=until, at=AT)
        other = accept_assertion(session, globex, "_a1", not_on_or_after=until, at=AT)

    assert (first, again, other) == (True, False, True)
    with sessions() as session:
        rows = session.execute(
            select(SamlAssertion.organization_id, SamlAssertion.assertion_id)
        ).all()
    assert sorted(rows) == sorted([(acme, "_a1"), (globex, "_a1")])


def test_expired_assertions_are_pruned_after_the_skew_and_not_before(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        acme = gen_organization(session, slug="acme").id
        accept_assertion(session, acme, "_old", not_on_or_after=AT, at=AT - timedelta(minutes=5))

    with sessions.begin() as session:
        # Within the two minutes of skew the old id is still refused.
        kept = accept_assertion(
            session, acme, "_old", not_on_or_after=AT, at=AT + timedelta(seconds=119)
        )
    with sessions.begin() as session:
        accept_assertion(
            session,
            acme,
            "_new",
            not_on_or_after=AT + timedelta(hours=1),
            at=AT + timedelta(minutes=3),
        )

    assert kept is False
    with sessions() as session:
        assert session.scalars(select(SamlAssertion.assertion_id)).all() == ["_new"]
