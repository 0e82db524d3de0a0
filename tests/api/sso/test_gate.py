"""The seat gate of sign-ins, on SQLite and PostgreSQL, without an identity provider."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from seat_core import (
    Identity,
    Policy,
    SignInRefused,
    admit,
    holds_seat,
    record_request,
    usage,
    verified_email,
)
from seat_core.models import Member, Organization, Outbox, SeatRequest
from tests.factories import AT, gen_member, gen_organization

ISSUER = "https://idp.acme.test"
ACME = Policy(jit=True, domains=frozenset({"acme.test"}))


def person(login: str, **claims: object) -> Identity:
    """Return the identity the provider vouches for, email verified unless said otherwise."""
    values: dict[str, object] = {
        "subject": f"sub-{login}",
        "email": login,
        "email_verified": True,
        **claims,
    }
    return Identity(issuer=ISSUER, **values)  # type: ignore[arg-type]


def refuse(
    sessions: sessionmaker[Session], identity: Identity, policy: Policy = ACME
) -> SignInRefused:
    """Run the gate expecting a refusal; the transaction rolls back."""
    with pytest.raises(SignInRefused) as refused, sessions.begin() as session:
        admit(session, acme(session), identity, policy, at=AT)
    return refused.value


def acme(session: Session) -> Organization:
    return session.scalars(select(Organization).where(Organization.slug == "acme")).one()


def count(session: Session, model: type) -> int:
    return session.scalar(select(func.count()).select_from(model)) or 0


@pytest.fixture
def full(sessions: sessionmaker[Session]) -> sessionmaker[Session]:
    """Acme with 2 seats, both taken by SCIM members; a third one deactivated."""
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        gen_member(session, organization, "ann@acme.test", email="ann@acme.test")
        gen_member(session, organization, "bob@acme.test", email="bob@acme.test")
        gen_member(session, organization, "cy@acme.test", email="cy@acme.test", active=False)
    return sessions


def test_a_seated_member_gets_in_when_every_seat_is_taken(full: sessionmaker[Session]) -> None:
    with full.begin() as session:
        admission = admit(session, acme(session), person("ann@acme.test"), ACME, at=AT)

        assert not admission.seat_taken and not admission.created
        assert admission.member.sso_subject == "sub-ann@acme.test"
        assert admission.member.last_sign_in_at == AT
        assert usage(session, acme(session)).seats_in_use == 2


def test_a_linked_member_is_found_by_subject_whatever_its_email_claim(
    full: sessionmaker[Session],
) -> None:
    with full.begin() as session:
        admit(session, acme(session), person("ann@acme.test"), ACME, at=AT)
    renamed = person("ann@acme.test", email="ann.new@acme.test")

    with full.begin() as session:
        admission = admit(session, acme(session), renamed, ACME, at=AT)

        assert admission.member.user_name == "ann@acme.test" and not admission.created


def test_a_new_person_takes_a_free_seat_as_a_member_of_source_sso(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        gen_organization(session, seats=1)

    with sessions.begin() as session:
        admission = admit(session, acme(session), person("dan@acme.test", name="Dan"), ACME, at=AT)

        member = admission.member
        assert admission.seat_taken and admission.created and holds_seat(session, member)
        assert (member.source, member.user_name, member.display_name) == (
            "sso",
            "dan@acme.test",
            "Dan",
        )
        assert (member.sso_issuer, member.sso_subject) == (ISSUER, "sub-dan@acme.test")


def test_no_free_seat_refuses_a_new_person_and_leaves_nothing_behind(
    full: sessionmaker[Session],
) -> None:
    refusal = refuse(full, person("eve@acme.test", name="Eve"))

    assert refusal.reason == "no_seat" and "all 2 seats are in use" in refusal.message
    assert (refusal.seats_in_use, refusal.seats_purchased) == (2, 2)
    assert refusal.requester is not None and refusal.requester.member_id is None
    with full() as session:
        assert count(session, Member) == 3 and count(session, SeatRequest) == 0


def test_a_refusal_is_recorded_once_per_person_with_an_alert_each_time(
    full: sessionmaker[Session],
) -> None:
    refusal = refuse(full, person("Eve@Acme.test", name="Eve"))
    assert refusal.requester is not None

    for _ in range(2):
        with full.begin() as session:
            record_request(session, acme(session), refusal.requester, channel="sso", at=AT)

    with full() as session:
        [request] = session.scalars(select(SeatRequest)).all()
        assert (request.identity_key, request.channel, request.attempts) == (
            "eve@acme.test",
            "sso",
            2,
        )
        assert request.display_name == "Eve" and request.status == "pending"
        events = session.scalars(select(Outbox.event).where(Outbox.event == "seat.refused")).all()
        assert len(events) == 2


def test_a_deactivated_member_cannot_take_a_seat_when_none_is_free(
    full: sessionmaker[Session],
) -> None:
    refusal = refuse(full, person("cy@acme.test"))

    assert refusal.reason == "no_seat"
    with full() as session:
        cy = session.scalars(select(Member).where(Member.user_name == "cy@acme.test")).one()
        assert refusal.requester is not None and refusal.requester.member_id == cy.id
        assert not cy.active and cy.sso_subject is None and not holds_seat(session, cy)


def test_a_deactivated_member_takes_a_free_seat_and_scim_sees_a_new_version(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_member(session, organization, "cy@acme.test", email="cy@acme.test", active=False)

    with sessions.begin() as session:
        admission = admit(session, acme(session), person("cy@acme.test"), ACME, at=AT)

        assert admission.seat_taken and admission.member.active
        assert admission.member.version == 2 and admission.member.updated_at == AT


def test_an_unknown_person_is_refused_when_jit_is_off_but_may_ask_for_a_seat(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        gen_organization(session, seats=5)

    refusal = refuse(sessions, person("fay@acme.test"), Policy(jit=False))

    assert refusal.reason == "jit_disabled" and refusal.requester is not None


def test_a_provisioned_member_gets_in_when_jit_is_off(full: sessionmaker[Session]) -> None:
    with full.begin() as session:
        admission = admit(session, acme(session), person("bob@acme.test"), Policy(jit=False), at=AT)

        assert admission.member.user_name == "bob@acme.test"


@pytest.mark.parametrize(
    ("identity", "reason"),
    [
        (person("gil@acme.test", email_verified=False), "email_unverified"),
        (person("gil@other.test"), "domain_not_allowed"),
        (person("gil", email=None), "no_email"),
        (person("gil", email="not an address"), "no_email"),
    ],
)
def test_an_email_that_cannot_be_trusted_is_refused_without_a_seat_request(
    sessions: sessionmaker[Session], identity: Identity, reason: str
) -> None:
    with sessions.begin() as session:
        gen_organization(session, seats=5)

    refusal = refuse(sessions, identity)

    assert refusal.reason == reason and refusal.requester is None


def test_an_unverified_email_matches_nobody_even_a_seated_member(
    full: sessionmaker[Session],
) -> None:
    refusal = refuse(full, person("ann@acme.test", email_verified=False))

    assert refusal.reason == "email_unverified"


def test_without_the_verified_claim_only_the_organizations_domains_are_trusted(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        gen_organization(session, seats=5)
    silent = person("hal@acme.test", email_verified=None)

    refusal = refuse(sessions, silent, Policy())
    with sessions.begin() as session:
        admission = admit(session, acme(session), silent, ACME, at=AT)

    assert refusal.reason == "email_unverified" and admission.created


def test_a_member_linked_to_another_subject_is_never_handed_over(
    full: sessionmaker[Session],
) -> None:
    with full.begin() as session:
        admit(session, acme(session), person("ann@acme.test"), ACME, at=AT)

    refusal = refuse(full, person("ann@acme.test", subject="someone-else"))

    assert refusal.reason == "account_conflict" and refusal.requester is None


def test_an_expired_contract_refuses_a_seat_but_remembers_the_request(
    sessions: sessionmaker[Session],
) -> None:
    with sessions.begin() as session:
        gen_organization(session, seats=5, start=date(2023, 1, 1), auto_renew=False)

    refusal = refuse(sessions, person("ida@acme.test"))

    assert refusal.reason == "contract_expired" and "2024-01-01" in refusal.message
    assert refusal.requester is not None


def test_an_owner_is_found_only_by_a_verified_email() -> None:
    assert verified_email(person("own@else.test"), ACME) == "own@else.test"
    assert verified_email(person("own@acme.test", email_verified=None), ACME) == "own@acme.test"
    assert verified_email(person("own@else.test", email_verified=None), ACME) is None
    assert verified_email(person("own@acme.test", email_verified=False), ACME) is None
