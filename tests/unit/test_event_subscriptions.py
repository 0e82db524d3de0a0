"""Webhook subscriptions: the worker queues each subscribed event once, to its endpoints only."""

import pytest
from sqlalchemy import select

from seat_core import (
    InvalidAlertSettings,
    add_webhook_endpoint,
    push_events,
    record_refusal,
    subscribe,
)
from seat_core.events import read_after
from seat_core.models import AlertDelivery, Outbox

from ..factories import AT, gen_organization
from ..support.webhooks import PUBLIC_NAMES


def endpoint(session, organization, url):
    return add_webhook_endpoint(
        session, organization, url=url, secret_encrypted="x", at=AT, policy=PUBLIC_NAMES
    )


def refuse(session, organization, name):
    record_refusal(session, organization, channel="scim", identity=name, identity_key=name, at=AT)


def test_a_subscribed_endpoint_gets_each_new_event_of_its_types_once(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        siem = endpoint(session, organization, "https://siem.test/in")
        other = endpoint(session, organization, "https://other.test/in")
        refuse(session, organization, "before@okta.local")
    with sessions.begin() as session:
        subscribe(session, organization, siem.id, ["seat.refused"], at=AT)
    with sessions.begin() as session:
        refuse(session, organization, "after@okta.local")

    with sessions.begin() as session:
        assert push_events(session, at=AT) == 1
    with sessions.begin() as session:
        assert push_events(session, at=AT) == 0
        message = session.scalars(select(Outbox).where(Outbox.event.like("event.%"))).one()
        assert message.event == "event.seat.refused"
        assert message.payload["subject"] == "after@okta.local"
        assert message.message_id == f"event-{message.payload['id']}"
        deliveries = session.scalars(
            select(AlertDelivery).where(AlertDelivery.outbox_id == message.id)
        ).all()
        assert [(d.channel, d.endpoint_id) for d in deliveries] == [("webhook", siem.id)]
        assert other.id != siem.id


def test_a_subscription_change_is_itself_an_event_with_the_types_and_no_secret(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        siem = endpoint(session, organization, "https://siem.test/in")
        subscribe(session, organization, siem.id, ["seat.refused", "member.created"], at=AT)

    with sessions.begin() as session:
        changes = read_after(session, organization.id, types=["webhook.endpoint_changed"]).events
        assert [(e.subject, e.data["change"]) for e in changes] == [
            ("https://siem.test/in", "added"),
            ("https://siem.test/in", "subscribed"),
        ]
        assert changes[1].data["event_types"] == ["member.created", "seat.refused"]
        assert all("x" not in str(e.data.get("secret", "")) for e in changes)
        assert all("secret_encrypted" not in e.data for e in changes)


def test_an_unknown_event_type_cannot_be_subscribed_to(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        siem = endpoint(session, organization, "https://siem.test/in")
        with pytest.raises(InvalidAlertSettings, match=r"seat\.stolen"):
            subscribe(session, organization, siem.id, ["seat.stolen"], at=AT)
        assert siem.event_types == ""
