"""The event log: every change appends its event, with its actor, in the change's transaction."""

from datetime import date, timedelta

import pytest
from sqlalchemy import select, text

from scim_gateway.tokens import issue_token, revoke_token
from seat_core import (
    NoSeatAvailable,
    add_member,
    admit_request,
    deactivate_member,
    dismiss_request,
    make_engine,
    make_sessionmaker,
    new_member,
    purchase_seats,
    record_refusal,
    remove_member,
)
from seat_core.events import (
    START,
    SYSTEM,
    Actor,
    InvalidCursor,
    acting_as,
    current_actor,
    parse_cursor,
    prune_events,
    read_after,
    record,
)
from seat_core.models import Event, SeatRequest

from ..factories import AT, gen_organization

OKTA = Actor("scim_token", "7", "Okta provisioning")


def logged(session, organization_id, types=()):
    """Read the organization's whole log back through the cursor, as (type, actor, subject)."""
    page = read_after(session, organization_id, limit=1000, types=types)
    return [(e.type, (e.actor_type, e.actor_id, e.actor_label), e.subject) for e in page.events]


def test_a_created_user_logs_its_creation_and_its_seat_with_the_token_that_made_it(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        member = new_member(organization.id, source="scim", at=AT, user_name="ann@okta.local")
        with acting_as(OKTA):
            add_member(session, member, at=AT, active=True)

    with sessions.begin() as session:
        events = session.scalars(select(Event).order_by(Event.id)).all()
        assert [e.type for e in events] == ["member.created", "seat.taken"]
        assert {(e.actor_type, e.actor_id, e.actor_label) for e in events} == {
            ("scim_token", "7", "Okta provisioning")
        }
        assert {e.subject for e in events} == {"ann@okta.local"}
        assert events[1].data == {
            "member_id": member.id,
            "seats_used": 1,
            "seats_purchased": 2,
            "term_index": 0,
            "on": "2025-03-01",
        }
        assert events[0].occurred_at == AT


def test_deactivating_and_deleting_log_the_release_and_the_member_change(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        ann = new_member(organization.id, source="scim", at=AT, user_name="ann")
        bob = new_member(organization.id, source="scim", at=AT, user_name="bob")
        add_member(session, ann, at=AT, active=True)
        add_member(session, bob, at=AT, active=True)
        with acting_as(OKTA):
            deactivate_member(session, ann, at=AT)
            remove_member(session, bob, at=AT)
            session.delete(bob)

    with sessions.begin() as session:
        okta = ("scim_token", "7", "Okta provisioning")
        assert logged(session, organization.id)[4:] == [
            ("seat.released", okta, "ann"),
            ("member.deactivated", okta, "ann"),
            ("seat.released", okta, "bob"),
            ("member.deleted", okta, "bob"),
        ]


def test_a_refused_create_leaves_no_event_but_its_refusal_and_request(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        add_member(
            session,
            new_member(organization.id, source="scim", at=AT, user_name="a"),
            at=AT,
            active=True,
        )
        organization_id = organization.id
    with pytest.raises(NoSeatAvailable), sessions.begin() as session, acting_as(OKTA):
        member = new_member(organization_id, source="scim", at=AT, user_name="late@okta.local")
        add_member(session, member, at=AT, active=True)
    with sessions.begin() as session, acting_as(OKTA):
        organization = session.get(type(organization), organization_id)
        for _ in range(2):
            record_refusal(
                session,
                organization,
                channel="scim",
                identity="late@okta.local",
                identity_key="late@okta.local",
                at=AT,
            )

    with sessions.begin() as session:
        types = [(t, subject) for t, _, subject in logged(session, organization_id)]
        assert types[2:] == [
            ("seat.refused", "late@okta.local"),
            ("seat_request.created", "late@okta.local"),
            ("seat.refused", "late@okta.local"),
        ]


def test_admitting_and_dismissing_requests_are_logged_by_the_owner_who_did_it(sessions):
    owner = Actor("owner", "1", "ann@acme.test")
    with sessions.begin() as session:
        organization = gen_organization(session, seats=2)
        for name in ("carl", "dora"):
            record_refusal(
                session, organization, channel="sso", identity=name, identity_key=name, at=AT
            )
        carl, dora = session.scalars(select(SeatRequest).order_by(SeatRequest.id)).all()
        with acting_as(owner):
            admit_request(session, carl, at=AT)
            dismiss_request(session, dora, at=AT)

    with sessions.begin() as session:
        rows = logged(session, organization.id)
        assert [(t, s) for t, a, s in rows if a == tuple(vars(owner).values())] == [
            ("member.created", "carl"),
            ("seat.taken", "carl"),
            ("seat_request.admitted", "carl"),
            ("seat_request.dismissed", "dora"),
        ]


def test_a_purchase_logs_its_invoice_number_and_amount(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5)
        with acting_as(Actor("owner", "1", "ann@acme.test")):
            purchase = purchase_seats(session, organization, seats=5, on=date(2025, 3, 15), at=AT)

    with sessions.begin() as session:
        (event,) = read_after(session, organization.id, types=["seats.purchased"]).events
        assert event.subject == purchase.invoice.number
        assert event.data["invoice_number"] == purchase.invoice.number
        assert event.data["amount_minor"] == purchase.invoice.total_minor == 143226
        assert (event.data["seats"], event.data["seats_purchased"]) == (5, 10)
        assert (event.actor_type, event.actor_label) == ("owner", "ann@acme.test")


def test_token_events_carry_no_part_of_the_token(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        token, secret = issue_token(session, organization, kind="scim", at=AT, label="Okta")
        assert revoke_token(session, organization, token.id, at=AT) is True
        assert revoke_token(session, organization, token.id, at=AT) is False

    with sessions.begin() as session:
        events = read_after(session, organization.id, types=["token.issued", "token.revoked"])
        assert [e.type for e in events.events] == ["token.issued", "token.revoked"]
        for event in events.events:
            stored = repr((event.subject, event.data, event.actor_label, event.actor_id))
            assert event.data["token_id"] == token.id
            assert secret not in stored and secret[:12] not in stored
            assert token.token_hash not in stored and secret[5:12] not in stored


def test_the_actor_is_the_system_unless_an_entry_point_names_one():
    assert current_actor() == SYSTEM
    with acting_as(OKTA):
        assert current_actor() == OKTA
    assert current_actor() == SYSTEM


def test_an_unknown_event_type_is_refused_before_anything_is_written(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        with pytest.raises(ValueError, match="unknown event type"):
            record(session, organization.id, "member.renamed", at=AT)
        assert session.scalars(select(Event)).all() == []


def test_the_cursor_walks_the_log_page_by_page_each_event_once(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        for number in range(25):
            record(session, organization.id, "member.updated", at=AT, subject=f"m{number}")
        other = gen_organization(session, slug="other")
        record(session, other.id, "member.updated", at=AT, subject="not acme's")

    seen = []
    cursor = START
    with sessions.begin() as session:
        while True:
            page = read_after(session, organization.id, after=cursor, limit=7)
            if not page.events:
                break
            seen.extend(e.subject for e in page.events)
            cursor = parse_cursor(page.next_cursor.text())
        assert seen == [f"m{number}" for number in range(25)]
        assert read_after(session, organization.id, after=cursor).next_cursor == cursor


@pytest.mark.parametrize(
    "cursor", ["", "1", "a-1", "1-b", "-1-2", "1-2-3", "\u0661-\u0662", "9" * 30 + "-1"]
)
def test_a_cursor_no_page_returned_is_refused(cursor):
    with pytest.raises(InvalidCursor):
        parse_cursor(cursor)


def test_the_prune_deletes_only_events_older_than_the_retention(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        record(
            session, organization.id, "member.updated", at=AT - timedelta(days=401), subject="old"
        )
        record(
            session, organization.id, "member.updated", at=AT - timedelta(days=399), subject="kept"
        )
        record(session, organization.id, "member.updated", at=AT, subject="new")

    with sessions.begin() as session:
        assert prune_events(session, at=AT) == 1
    with sessions.begin() as session:
        assert [e.subject for e in read_after(session, organization.id).events] == ["kept", "new"]
        assert prune_events(session, at=AT, days=1) == 1
    with sessions.begin() as session:
        assert [e.subject for e in read_after(session, organization.id).events] == ["new"]


def test_the_prune_keeps_the_usage_history_a_term_whatever_the_retention(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        for days, subject in ((401, "old"), (399, "kept")):
            record(
                session,
                organization.id,
                "seat.taken",
                at=AT - timedelta(days=days),
                subject=subject,
                data={"seats_used": 1, "seats_purchased": 5, "term_index": 0, "on": "2024-01-01"},
            )
        record(session, organization.id, "member.updated", at=AT - timedelta(days=2), subject="x")

    with sessions.begin() as session:
        assert prune_events(session, at=AT, days=1) == 2
    with sessions.begin() as session:
        assert [e.subject for e in read_after(session, organization.id).events] == ["kept"]


@pytest.mark.postgres
def test_an_event_committed_after_a_later_id_is_served_after_the_cursor_not_skipped(
    postgres_url,
):
    engine = make_engine(postgres_url)
    sessions = make_sessionmaker(engine)
    try:
        with sessions.begin() as session:
            organization_id = gen_organization(session).id
        first, second = sessions(), sessions()
        # The first transaction gets the older transaction id, then writes the newer event id.
        first.execute(text("SELECT pg_current_xact_id()"))
        record(second, organization_id, "member.updated", at=AT, subject="older id")
        record(first, organization_id, "member.updated", at=AT, subject="newer id")
        first.commit()

        with sessions.begin() as reader:
            # "older id" is not committed: only "newer id" (older transaction) is served.
            page = read_after(reader, organization_id)
            assert [e.subject for e in page.events] == ["newer id"]
        second.commit()
        with sessions.begin() as reader:
            rest = read_after(reader, organization_id, after=page.next_cursor)
            assert [e.subject for e in rest.events] == ["older id"]
            # Plain id order would have put it before the cursor, and skipped it.
            assert rest.events[0].id < page.events[0].id
            assert read_after(reader, organization_id, after=rest.next_cursor).events == []
        first.close()
        second.close()
    finally:
        engine.dispose()
