"""What owners configure for alerts, renewal notices, and retrying what failed."""

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select, update

from seat_core import (
    AlertNotFound,
    InvalidAlertSettings,
    add_recipient,
    add_webhook_endpoint,
    alert_settings_of,
    check_webhook_url,
    delete_webhook_endpoint,
    email_recipients,
    notify_renewals,
    parse_thresholds,
    remove_recipient,
    retry_delivery,
    send_test_webhook,
    set_alert_settings,
)
from seat_core.models import AlertDelivery, Outbox

from ..factories import AT, gen_member, gen_organization, gen_owner
from ..support.webhooks import PUBLIC_NAMES


def test_thresholds_are_read_as_sorted_whole_percentages():
    assert parse_thresholds("90, 80 ,100%,80") == (80, 90, 100)
    assert parse_thresholds("") == ()


@pytest.mark.parametrize("text", ["0", "101", "eighty", "80.5", ",".join(map(str, range(1, 12)))])
def test_thresholds_outside_one_to_a_hundred_are_refused(text):
    with pytest.raises(InvalidAlertSettings):
        parse_thresholds(text)


def test_an_organization_without_settings_gets_the_defaults(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)

        settings = alert_settings_of(session, organization.id)

        assert settings.thresholds == (80, 90, 100)
        assert settings.digest_minutes == 15


def test_settings_are_saved_and_a_window_beyond_a_day_is_refused(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        set_alert_settings(session, organization, thresholds="75,95", digest_minutes=0, at=AT)

        with pytest.raises(InvalidAlertSettings, match="0 to 1440"):
            set_alert_settings(session, organization, thresholds="80", digest_minutes=1441, at=AT)
        assert alert_settings_of(session, organization.id).thresholds == (75, 95)


def test_emails_go_to_owners_then_extra_recipients_once_each(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        gen_owner(session, organization, "ann@acme.test")
        gen_owner(session, organization, "bob@acme.test", role="owner")
        add_recipient(session, organization, email="Finance@Acme.test", at=AT)

        assert email_recipients(session, organization.id) == [
            "ann@acme.test",
            "bob@acme.test",
            "Finance@Acme.test",
        ]


@pytest.mark.parametrize(
    ("email", "message"),
    [
        ("ANN@acme.test", "is an owner"),
        ("finance@acme.test", "already"),
        ("not an address", "not an email address"),
    ],
)
def test_a_recipient_that_would_add_nothing_is_refused(sessions, email, message):
    with sessions.begin() as session:
        organization = gen_organization(session)
        gen_owner(session, organization, "ann@acme.test")
        add_recipient(session, organization, email="finance@acme.test", at=AT)

        with pytest.raises(InvalidAlertSettings, match=message):
            add_recipient(session, organization, email=email, at=AT)


def test_removing_another_organizations_recipient_is_not_found(sessions):
    with sessions.begin() as session:
        acme = gen_organization(session)
        globex = gen_organization(session, slug="globex", name="Globex")
        recipient = add_recipient(session, acme, email="finance@acme.test", at=AT)

        with pytest.raises(AlertNotFound):
            remove_recipient(session, globex, recipient.id)


@pytest.mark.parametrize(
    "url",
    ["", "ftp://example.test/hook", "https://user:pw@example.test/", "/relative", "https://"],
)
def test_a_webhook_url_that_is_not_http_is_refused(url):
    with pytest.raises(InvalidAlertSettings):
        check_webhook_url(url)


def test_a_webhook_url_is_kept_as_given_without_surrounding_spaces():
    url = check_webhook_url(" https://hooks.test/a?b=1 ", policy=PUBLIC_NAMES)

    assert url == "https://hooks.test/a?b=1"


def test_deleting_an_endpoint_gives_up_what_was_still_to_be_sent_to_it(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session)
        endpoint = add_webhook_endpoint(
            session,
            organization,
            url="https://hooks.test/a",
            secret_encrypted="x",
            at=AT,
            policy=PUBLIC_NAMES,
        )
        send_test_webhook(session, organization, endpoint.id, at=AT)

        delete_webhook_endpoint(session, organization, endpoint.id, at=AT)

        delivery = session.scalars(select(AlertDelivery)).one()
        assert (delivery.status, delivery.last_error) == ("dead", "The endpoint was deleted")
        assert delivery.recipient == "https://hooks.test/a"


def test_a_dead_delivery_is_retried_with_a_fresh_period(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=1)
        gen_owner(session, organization)
        gen_member(session, organization, "user")
        session.execute(update(AlertDelivery).values(status="dead", attempts=9))
        delivery = session.scalars(select(AlertDelivery)).one()
        later = AT + timedelta(days=4)

        retry_delivery(session, organization, delivery.id, at=later)

        session.refresh(delivery)
        assert (delivery.status, delivery.next_attempt_at, delivery.retried_at) == (
            "pending",
            later,
            later,
        )
        with pytest.raises(AlertNotFound):
            retry_delivery(session, organization, delivery.id, at=later)


def test_a_renewal_is_announced_once_thirty_days_ahead(sessions):
    with sessions.begin() as session:
        organization = gen_organization(session, seats=5, start=date(2025, 1, 1))
        gen_member(session, organization, "ann")
        gen_member(session, organization, "bob")
        before = datetime(2025, 12, 1, 23, tzinfo=AT.tzinfo)
        first_day = datetime(2025, 12, 2, 0, 30, tzinfo=AT.tzinfo)

        early = notify_renewals(session, at=before)
        written = notify_renewals(session, at=first_day)
        again = notify_renewals(session, at=first_day + timedelta(days=3))

        assert (early, written, again) == (0, 1, 0)
        notice = session.scalars(select(Outbox).where(Outbox.event == "renewal.upcoming")).one()
        assert notice.payload["seats_in_use"] == 2
        assert notice.payload["amount"] == "720.00"
        assert notice.payload["days_left"] == 30


def test_a_contract_that_does_not_renew_announces_its_end(sessions):
    with sessions.begin() as session:
        gen_organization(session, start=date(2025, 1, 1), auto_renew=False)

        notify_renewals(session, at=datetime(2025, 12, 20, tzinfo=AT.tzinfo))

        notice = session.scalars(select(Outbox)).one()
        assert (notice.event, notice.payload["term_end"]) == ("contract.expiring", "2026-01-01")
