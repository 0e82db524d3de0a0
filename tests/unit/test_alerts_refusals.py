"""Seat refusals: the first in a window is sent at once, the rest gathered into one digest."""

import threading
from datetime import timedelta

from sqlalchemy import func, select

from seat_core import close_digests, record_refusal, set_alert_settings
from seat_core.models import AlertDelivery, Outbox

from ..factories import AT, gen_organization, gen_owner


def refuse(session, organization, name, at):
    return record_refusal(
        session,
        organization,
        channel="scim",
        identity=f"{name}@acme.test",
        identity_key=f"{name}@acme.test",
        display_name=name.title(),
        at=at,
    )


def messages(session):
    return [
        (row.event, row.state)
        for row in session.scalars(select(Outbox).order_by(Outbox.id))
        if row.event.startswith("seat.refused")
    ]


def test_the_first_refusal_is_sent_at_once_and_the_next_are_held(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_owner(session, organization)
        refuse(session, organization, "ann", AT)
        refuse(session, organization, "bob", AT + timedelta(minutes=1))
        refuse(session, organization, "ann", AT + timedelta(minutes=2))

        assert messages(session) == [
            ("seat.refused", "ready"),
            ("seat.refused", "held"),
            ("seat.refused", "held"),
        ]
        assert session.scalar(select(func.count()).select_from(AlertDelivery)) == 1


def test_a_digest_gathers_the_held_refusals_once_the_window_closes(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_owner(session, organization)
        for minute, name in enumerate(["ann", "bob", "ann", "cid"]):
            refuse(session, organization, name, AT + timedelta(minutes=minute))

        early = close_digests(session, at=AT + timedelta(minutes=14))
        digests = close_digests(session, at=AT + timedelta(minutes=15))

        assert early == []
        assert len(digests) == 1
        digest = session.get_one(Outbox, digests[0])
        assert digest.event == "seat.refused.digest"
        assert digest.payload["refusals"] == 3
        assert digest.payload["people_count"] == 3
        assert [p["identity"] for p in digest.payload["people"]] == [
            "bob@acme.test",
            "ann@acme.test",
            "cid@acme.test",
        ]
        assert messages(session).count(("seat.refused", "digested")) == 3


def test_a_refusal_after_the_window_closed_is_sent_at_once_again(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        refuse(session, organization, "ann", AT)
        refuse(session, organization, "bob", AT + timedelta(minutes=1))
        close_digests(session, at=AT + timedelta(minutes=15))
        refuse(session, organization, "cid", AT + timedelta(minutes=16))

        assert messages(session)[-1] == ("seat.refused", "ready")
        assert close_digests(session, at=AT + timedelta(hours=1)) == []


def test_a_window_of_zero_sends_every_refusal_at_once(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        set_alert_settings(session, organization, thresholds="80", digest_minutes=0, at=AT)
        for n in range(3):
            refuse(session, organization, f"user{n}", AT)

        assert messages(session) == [("seat.refused", "ready")] * 3


def test_concurrent_refusals_open_one_window(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
    start = threading.Barrier(8)

    def refuse_once(n):
        start.wait()
        with sessions.begin() as session:
            refuse(session, organization, f"user{n}", AT + timedelta(seconds=n))

    threads = [threading.Thread(target=refuse_once, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    with sessions.begin() as session:
        states = [state for _, state in messages(session)]
        assert sorted(states) == ["held"] * 7 + ["ready"]
