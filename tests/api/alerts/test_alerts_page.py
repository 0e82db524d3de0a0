"""The owners' Alerts page: settings, recipients, webhook endpoints, deliveries."""

import re
from datetime import UTC, datetime

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update

from scim_gateway.crypto import decrypt
from seat_core import alert_settings_of, get_organization, recipients_of
from seat_core.models import AlertDelivery, Event, WebhookEndpoint
from tests.conftest import TEST_CONFIG
from tests.factories import gen_member, gen_organization, gen_owner
from tests.support.webhooks import PUBLIC_ADDRESS

# Public addresses are allowed without a name lookup; nothing here connects to them.
HOOKS = f"https://{PUBLIC_ADDRESS}"

NOW = datetime.now(UTC)
PASSWORD = "correct horse battery"
# Argon2id with small costs: the sign-in code verifies it like any other, only faster.
CHEAP_HASH = PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1).hash(PASSWORD)


@pytest.fixture
def acme(sqlite_app):
    with sqlite_app.extensions["db"].sessions.begin() as session:
        organization = gen_organization(session, seats=1, start=NOW.date().replace(day=1))
        owner = gen_owner(session, organization, "ann@acme.test", password_hash=CHEAP_HASH)
        globex = gen_organization(session, slug="globex", name="Globex")
        return {"id": organization.id, "owner_id": owner.id, "globex_id": globex.id}


@pytest.fixture
def owner(sqlite_app, acme):
    """A client signed in as acme's Primary Owner, with the page's CSRF token."""
    client = sqlite_app.test_client()
    form = client.get("/admin/acme/login").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    signed_in = client.post(
        "/admin/acme/login",
        data={"email": "ann@acme.test", "password": PASSWORD, "csrf_token": token},
    )
    assert signed_in.status_code == 302
    page = client.get("/admin/acme/alerts")
    client.csrf = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
    return client


def post(client, path, **form):
    return client.post(f"/admin/acme/alerts{path}", data={"csrf_token": client.csrf, **form})


def sessions(app):
    return app.extensions["db"].sessions


def test_the_page_lists_owners_and_the_default_settings(owner):
    page = owner.get("/admin/acme/alerts")

    assert page.status_code == 200
    assert "ann@acme.test" in page.text
    assert all(f'value="{v}"' in page.text for v in ("80", "90", "100"))
    assert 'value="15"' in page.text


def test_someone_signed_out_is_sent_to_sign_in(sqlite_app, acme):
    response = sqlite_app.test_client().get("/admin/acme/alerts")

    assert response.status_code == 302
    assert "/admin/acme/login" in response.headers["Location"]


def test_saving_thresholds_and_the_digest_window(sqlite_app, owner, acme):
    response = post(owner, "/settings", thresholds="75, 95", digest_minutes="0")

    assert response.status_code == 302
    with sessions(sqlite_app)() as session:
        settings = alert_settings_of(session, acme["id"])
    assert (settings.thresholds, settings.digest_minutes) == ((75, 95), 0)


@pytest.mark.parametrize(
    ("thresholds", "minutes", "message"),
    [("80, 120", "15", "1 to 100"), ("80", "-1", "whole number"), ("80", "9999", "0 to 1440")],
)
def test_bad_settings_are_refused_with_the_reason_and_nothing_saved(
    sqlite_app, owner, acme, thresholds, minutes, message
):
    response = post(owner, "/settings", thresholds=thresholds, digest_minutes=minutes)

    assert response.status_code == 400
    assert message in response.text
    assert all(f'value="{value}"' in response.text for value in thresholds.split(", "))
    with sessions(sqlite_app)() as session:
        assert alert_settings_of(session, acme["id"]).thresholds == (80, 90, 100)


def test_adding_and_removing_a_recipient(sqlite_app, owner, acme):
    added = post(owner, "/recipients", email="finance@acme.test")
    duplicate = post(owner, "/recipients", email="FINANCE@acme.test")
    with sessions(sqlite_app)() as session:
        [recipient] = recipients_of(session, acme["id"])
    removed = post(owner, f"/recipients/{recipient.id}/delete")

    assert added.status_code == 302
    assert duplicate.status_code == 400 and "gets the alerts already" in duplicate.text
    assert removed.status_code == 302
    with sessions(sqlite_app)() as session:
        assert recipients_of(session, acme["id"]) == []


def test_a_new_endpoints_secret_is_shown_once_and_stored_encrypted(sqlite_app, owner):
    response = post(owner, "/webhooks", url=f"{HOOKS}/seats")

    assert response.status_code == 201
    shown = re.search(r'data-testid="webhook-secret"[^>]*>(whsec_[^<]+)<', response.text).group(1)
    with sessions(sqlite_app)() as session:
        endpoint = session.scalars(select(WebhookEndpoint)).one()
    assert shown not in endpoint.secret_encrypted
    assert decrypt(endpoint.secret_encrypted, TEST_CONFIG["ENCRYPTION_KEY"]) == shown
    assert shown not in owner.get("/admin/acme/alerts").text


def test_a_bad_endpoint_url_is_refused_with_the_reason(owner):
    response = post(owner, "/webhooks", url="ftp://hooks.acme.test/")

    assert response.status_code == 400
    assert "is not a web address" in response.text


def test_rotating_a_secret_shows_a_new_one(sqlite_app, owner):
    first = post(owner, "/webhooks", url=f"{HOOKS}/seats")
    with sessions(sqlite_app)() as session:
        endpoint_id = session.scalar(select(WebhookEndpoint.id))

    rotated = post(owner, f"/webhooks/{endpoint_id}/rotate")

    pattern = r"(whsec_[A-Za-z0-9+/=]+)"
    assert rotated.status_code == 200
    assert re.search(pattern, rotated.text).group(1) != re.search(pattern, first.text).group(1)


def test_a_test_send_queues_one_delivery_to_that_endpoint(sqlite_app, owner):
    post(owner, "/webhooks", url=f"{HOOKS}/one")
    post(owner, "/webhooks", url=f"{HOOKS}/two")
    with sessions(sqlite_app)() as session:
        second = session.scalars(select(WebhookEndpoint).order_by(WebhookEndpoint.id)).all()[1]

    response = post(owner, f"/webhooks/{second.id}/test")
    page = owner.get("/admin/acme/alerts")

    assert response.status_code == 302
    with sessions(sqlite_app)() as session:
        [delivery] = session.scalars(select(AlertDelivery)).all()
    assert (delivery.endpoint_id, delivery.status) == (second.id, "pending")
    assert "Queued" in page.text


def test_another_organizations_endpoint_is_not_found(sqlite_app, owner, acme):
    with sessions(sqlite_app).begin() as session:
        foreign = WebhookEndpoint(
            organization_id=acme["globex_id"],
            url="https://g.test/",
            secret_encrypted="x",
            created_at=NOW,
        )
        session.add(foreign)
        session.flush()
        foreign_id = foreign.id

    response = post(owner, f"/webhooks/{foreign_id}/delete")

    assert response.status_code == 404
    with sessions(sqlite_app)() as session:
        assert session.get(WebhookEndpoint, foreign_id) is not None


def test_a_failed_delivery_shows_its_reason_and_can_be_retried(sqlite_app, owner, acme):
    with sessions(sqlite_app).begin() as session:
        organization = get_organization(session, "acme")
        gen_member(session, organization, "user", at=NOW, on=NOW.date())
        session.execute(
            update(AlertDelivery).values(
                status="dead", attempts=6, last_error="SMTP 550 no such user"
            )
        )
        delivery_id = session.scalar(select(AlertDelivery.id))

    page = owner.get("/admin/acme/alerts")
    retried = post(owner, f"/deliveries/{delivery_id}/retry")
    again = post(owner, f"/deliveries/{delivery_id}/retry")

    assert "SMTP 550 no such user" in page.text and "Failed" in page.text
    assert retried.status_code == 302
    assert again.status_code == 404
    with sessions(sqlite_app)() as session:
        assert session.get_one(AlertDelivery, delivery_id).status == "pending"


def test_a_form_without_the_csrf_token_is_refused(sqlite_app, owner, acme):
    response = owner.post("/admin/acme/alerts/recipients", data={"email": "x@acme.test"})

    assert response.status_code == 400
    with sessions(sqlite_app)() as session:
        assert recipients_of(session, acme["id"]) == []


def test_an_endpoint_subscribes_to_event_types_and_the_change_is_logged(sqlite_app, owner):
    post(owner, "/webhooks", url=f"{HOOKS}/siem")
    with sessions(sqlite_app)() as session:
        endpoint_id = session.scalar(select(WebhookEndpoint.id))

    saved = post(owner, f"/webhooks/{endpoint_id}/events", types=["seat.refused", "token.revoked"])
    unknown = post(owner, f"/webhooks/{endpoint_id}/events", types=["seat.stolen"])
    page = owner.get("/admin/acme/alerts").text

    assert saved.status_code == 302
    assert unknown.status_code == 400 and "Unknown event type: seat.stolen" in unknown.text
    assert "2 event types" in page and 'value="seat.refused" checked' in page
    with sessions(sqlite_app)() as session:
        endpoint = session.get(WebhookEndpoint, endpoint_id)
        assert endpoint.event_types == "seat.refused,token.revoked"
        changes = session.scalars(
            select(Event.data).where(Event.type == "webhook.endpoint_changed").order_by(Event.id)
        ).all()
    assert [change["change"] for change in changes] == ["added", "subscribed"]
    assert changes[1]["event_types"] == ["seat.refused", "token.revoked"]
