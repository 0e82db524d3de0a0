"""The seat gate of sign-ins under a seat policy, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from seat_core import (
    SignInRefused,
    admit,
    holds_seat,
    reclaim_due,
    set_group_members,
    set_policy,
)
from seat_core.models import Member, SeatRequest
from tests.factories import AT, gen_group, gen_member, gen_organization

from .test_gate import ACME, acme, person, refuse


@pytest.fixture
def licensed(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Acme with 2 seats licensed to Engineering and Support; ann is in Engineering, bob in
    no group (active, seatless)."""
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        set_policy(session, organization.id, at=AT, licensed_groups=["Engineering", "Support"])
        ann = gen_member(
            session, organization, "ann@acme.test", email="ann@acme.test", active=False
        )
        bob = gen_member(
            session, organization, "bob@acme.test", email="bob@acme.test", active=False
        )
        ann.active = bob.active = True
        group = gen_group(session, organization, "Engineering")
        gen_group(session, organization, "Support")
        set_group_members(session, group, [ann.id], at=AT)
    return sessions


def test_a_member_outside_the_licensed_groups_is_refused_as_not_licensed(
    licensed: sessionmaker[Session],
) -> None:
    refusal = refuse(licensed, person("bob@acme.test"))

    assert refusal.reason == "not_licensed"
    assert refusal.licensed_groups == ["Engineering", "Support"]
    assert "not licensed" in refusal.message and "'Engineering' or 'Support'" in refusal.message
    # Not a seat request: joining a group is the identity provider's business.
    assert refusal.requester is None
    with licensed.begin() as session:
        bob = session.scalars(select(Member).where(Member.user_name == "bob@acme.test")).one()
        assert (bob.active, holds_seat(session, bob), bob.last_sign_in_at) == (True, False, None)
        assert session.scalars(select(SeatRequest)).all() == []


def test_a_new_person_is_not_licensed_either(licensed: sessionmaker[Session]) -> None:
    refusal = refuse(licensed, person("cy@acme.test"))

    assert refusal.reason == "not_licensed"
    with licensed.begin() as session:
        assert session.scalar(select(Member).where(Member.user_name == "cy@acme.test")) is None


def test_a_licensed_member_signs_in_with_its_seat_and_the_sign_in_is_remembered(
    licensed: sessionmaker[Session],
) -> None:
    with licensed.begin() as session:
        admission = admit(session, acme(session), person("ann@acme.test"), ACME, at=AT)
        member_id = admission.member.id

    with licensed.begin() as session:
        ann = session.get_one(Member, member_id)
        assert holds_seat(session, ann) is True
        assert ann.last_sign_in_at == AT


def test_a_reclaimed_member_takes_a_seat_again_at_its_next_sign_in(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        gen_member(session, organization, "ann@acme.test", email="ann@acme.test")
        set_policy(session, organization.id, at=AT, reclaim_after_days=14)
    for day in (date(2025, 3, 8), date(2025, 3, 15)):
        with sessions.begin() as session:
            reclaim_due(session, at=datetime(day.year, day.month, day.day, 12, tzinfo=UTC), on=day)
    with sessions.begin() as session:
        ann = session.scalars(select(Member)).one()
        reclaimed = (ann.active, holds_seat(session, ann))
    later = datetime(2025, 3, 20, 9, tzinfo=UTC)

    with sessions.begin() as session:
        admission = admit(session, acme(session), person("ann@acme.test"), ACME, at=later)

    assert reclaimed == (True, False)
    assert admission.seat_taken is True
    with sessions.begin() as session:
        ann = session.scalars(select(Member)).one()
        assert (holds_seat(session, ann), ann.last_sign_in_at) == (True, later)


def test_without_licensed_groups_a_full_organization_refuses_for_want_of_a_seat(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        gen_organization(session, seats=1)

    with sessions.begin() as session:
        admission = admit(session, acme(session), person("dan@acme.test"), ACME, at=AT)

    assert admission.seat_taken is True
    with pytest.raises(SignInRefused) as refused, sessions.begin() as session:
        admit(session, acme(session), person("eve@acme.test"), ACME, at=AT)
    assert refused.value.reason == "no_seat"
