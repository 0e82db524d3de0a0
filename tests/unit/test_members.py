"""Members in seat_core: built in one place, versioned by their seat changes, admitted."""

from datetime import timedelta

import pytest
from sqlalchemy import select

from seat_core import (
    NoSeatAvailable,
    add_member,
    admit_request,
    identity_key,
    new_member,
    record_refusal,
    release_seat,
    take_seat,
)
from seat_core.models import Member, SeatRequest

from ..factories import AT, gen_member, gen_organization

LATER = AT + timedelta(hours=1)


def test_taking_a_seat_gives_a_stored_member_a_new_version(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        ann = gen_member(session, organization, "ann", active=False)
        version = ann.version

        assert take_seat(session, ann, at=LATER) is True

    with sessions.begin() as session:
        stored = session.get_one(Member, ann.id)
        assert (stored.version, stored.updated_at, stored.active) == (version + 1, LATER, True)


def test_releasing_a_seat_gives_the_member_a_new_version(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        ann = gen_member(session, organization, "ann")
        version = ann.version

    with sessions.begin() as session:
        ann = session.get_one(Member, ann.id)
        assert release_seat(session, ann, at=LATER) is True

    with sessions.begin() as session:
        stored = session.get_one(Member, ann.id)
        assert (stored.version, stored.updated_at, stored.active) == (version + 1, LATER, False)


def test_a_take_or_release_that_changes_nothing_keeps_the_version(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        ann = gen_member(session, organization, "ann")
        bob = gen_member(session, organization, "bob", active=False)
        versions = (ann.version, bob.version)

        assert take_seat(session, ann, at=LATER) is False
        assert release_seat(session, bob, at=LATER) is False

    with sessions.begin() as session:
        stored = (session.get_one(Member, ann.id), session.get_one(Member, bob.id))
        assert (stored[0].version, stored[1].version) == versions


def test_a_new_member_added_active_is_written_at_its_first_version_with_a_seat(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        bob = new_member(organization.id, source="sso", at=AT, user_name="bob@acme.test")

        assert add_member(session, bob, at=AT, active=True) is True

    with sessions.begin() as session:
        stored = session.get_one(Member, bob.id)
        assert (stored.version, stored.active, stored.source) == (1, True, "sso")
        assert (stored.user_name_key, stored.email_key) == (identity_key("bob@acme.test"), None)


def test_a_refused_take_names_the_stored_member_for_its_seat_request(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "ann")
        bob = gen_member(session, organization, "bob", active=False, email="bob@acme.test")
        version = bob.version

        with pytest.raises(NoSeatAvailable) as refused:
            take_seat(session, bob, at=LATER)

        assert refused.value.organization_id == organization.id
        assert refused.value.requester is not None
        assert (refused.value.requester.identity, refused.value.requester.member_id) == (
            "bob",
            bob.id,
        )
        assert refused.value.requester.reason == "no_seat"
        assert (bob.version, bob.active) == (version, False)


def test_a_refused_new_member_is_named_without_an_id_it_will_never_have(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "ann")
        cy = new_member(organization.id, source="scim", at=AT, user_name="cy")

        with pytest.raises(NoSeatAvailable) as refused:
            add_member(session, cy, at=AT, active=True)

        assert refused.value.requester is not None
        assert (refused.value.requester.identity_key, refused.value.requester.member_id) == (
            identity_key("cy"),
            None,
        )


def test_admitting_a_request_adds_its_member_with_a_seat(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        request = record_refusal(
            session,
            organization,
            channel="scim",
            identity="dee@acme.test",
            identity_key=identity_key("dee@acme.test"),
            email="dee@acme.test",
            at=AT,
        )

        member = admit_request(session, request, at=LATER)

    with sessions.begin() as session:
        stored = session.get_one(Member, member.id)
        request = session.scalars(select(SeatRequest)).one()
        assert (stored.active, stored.source, stored.version) == (True, "admin", 1)
        assert (request.status, request.member_id) == ("admitted", stored.id)
