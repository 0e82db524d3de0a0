"""Web sessions and sign-in flows in the database: found while live, flows used once."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from seat_core import release_seat, web_sessions
from seat_core.models import Member, WebSession
from seat_core.web_sessions import Flow
from tests.factories import gen_member, gen_organization

HOUR = timedelta(hours=1)
FLOW = Flow(code_verifier="v" * 43, nonce="n", next="member")


def test_a_session_is_found_by_its_key_until_it_expires(sessions: sessionmaker[Session]) -> None:
    at = datetime.now(UTC)
    with sessions.begin() as session:
        organization = gen_organization(session, at=at)
        ann = gen_member(session, organization, "ann@acme.test")
        key = web_sessions.open_session(
            session,
            kind="member",
            organization_id=organization.id,
            member_id=ann.id,
            via="sso",
            at=at,
            lifetime=HOUR,
        )

    with sessions() as session:
        live = web_sessions.find_session(session, key, kind="member", at=at + HOUR / 2)
        late = web_sessions.find_session(session, key, kind="member", at=at + HOUR)
        owner = web_sessions.find_session(session, key, kind="owner", at=at)
        stored = session.scalars(select(WebSession.id_hash)).one()

    assert live is not None and live.member_id == ann.id
    assert late is None and owner is None
    assert stored == web_sessions.hash_key(key) and key not in stored


def test_a_flow_is_used_once_and_only_by_its_organization(
    sessions: sessionmaker[Session],
) -> None:
    at = datetime.now(UTC)
    with sessions.begin() as session:
        acme = gen_organization(session, at=at)
        globex = gen_organization(session, slug="globex", name="Globex", at=at)
        for state in ("s1", "s2"):
            web_sessions.start_flow(
                session, state, FLOW, organization_id=acme.id, at=at, lifetime=HOUR
            )
        acme_id, globex_id = acme.id, globex.id

    with sessions.begin() as session:
        foreign = web_sessions.take_flow(session, "s1", organization_id=globex_id, at=at)
        first = web_sessions.take_flow(session, "s1", organization_id=acme_id, at=at)
        again = web_sessions.take_flow(session, "s1", organization_id=acme_id, at=at)
        stale = web_sessions.take_flow(session, "s2", organization_id=acme_id, at=at + HOUR)
        unknown = web_sessions.take_flow(session, "s3", organization_id=acme_id, at=at)

    assert first == FLOW
    assert foreign is None and again is None and stale is None and unknown is None


def test_releasing_a_seat_ends_every_session_of_that_member_only(
    sessions: sessionmaker[Session],
) -> None:
    at = datetime.now(UTC)
    with sessions.begin() as session:
        organization = gen_organization(session, at=at)
        ann = gen_member(session, organization, "ann@acme.test")
        bob = gen_member(session, organization, "bob@acme.test")
        for member in (ann, ann, bob):
            web_sessions.open_session(
                session,
                kind="member",
                organization_id=organization.id,
                member_id=member.id,
                via="sso",
                at=at,
                lifetime=HOUR,
            )
        ann_id, bob_id = ann.id, bob.id

    with sessions.begin() as session:
        release_seat(session, session.get_one(Member, ann_id), at=at)

    with sessions() as session:
        left = session.scalars(select(WebSession.member_id)).all()
    assert left == [bob_id]
