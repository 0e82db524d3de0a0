"""Owner sign-in, server-side sessions, sign-out, expiry, rate limits, roles and CSRF."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, update

from scim_gateway import create_app
from scim_gateway.admin.auth import OWNER as OWNER_KEY
from scim_gateway.db import transaction
from seat_core import web_sessions
from seat_core.models import Owner, WebSession
from tests.conftest import TEST_CONFIG

from .conftest import OWNER, PASSWORD, PRIMARY, create_acme, csrf, sign_in


@pytest.fixture
def app(sqlite_app):
    """Roles and CSRF are HTTP behaviour alone: SQLite is enough."""
    return sqlite_app


def owner_sessions(app):
    with app.app_context(), transaction() as db:
        return db.scalar(select(func.count()).select_from(WebSession))


def test_the_sign_in_page_asks_for_email_and_password(client, acme):
    page = client.get("/admin/acme/login")

    assert page.status_code == 200
    assert '<label for="email">Email</label>' in page.text
    assert '<label for="password">Password</label>' in page.text
    assert ">Sign in</button>" in page.text


def test_a_signed_out_visitor_is_sent_to_sign_in(client, acme):
    response = client.get("/admin/acme/billing")

    assert response.status_code == 302
    assert response.location.startswith("/admin/acme/login?next=/admin/acme/billing")


def test_a_primary_owner_signs_in_and_lands_on_billing_settings(client, acme):
    response = sign_in(client)

    assert response.location == "/admin/acme/billing"
    assert "<h1>Billing settings</h1>" in client.get(response.location).text


def test_a_wrong_password_is_refused_with_a_message(client, acme):
    response = sign_in(client, PRIMARY, "wrong password!")

    assert response.status_code == 401
    assert "Wrong email or password." in response.text
    assert client.get("/admin/acme/billing").status_code == 302


def test_an_unknown_email_gets_the_same_answer_as_a_wrong_password(client, acme):
    response = sign_in(client, "nobody@acme.test", "whatever it is")

    assert response.status_code == 401
    assert "Wrong email or password." in response.text


def test_failed_sign_ins_are_rate_limited(sqlite_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": sqlite_url, "LOGIN_RATE_LIMIT": "3/minute"})
    create_acme(app)
    client = app.test_client()
    for _ in range(3):
        assert sign_in(client, PRIMARY, "wrong password!").status_code == 401

    response = sign_in(client)

    assert response.status_code == 429
    assert "Too many sign-in attempts" in response.text
    assert int(response.headers["Retry-After"]) >= 1
    app.extensions["db"].dispose()


def test_a_session_expires_after_its_lifetime(primary, app):
    with app.app_context(), transaction() as db:
        an_hour_ago = datetime.now(UTC) - timedelta(hours=1)
        db.execute(
            update(WebSession).values(
                created_at=an_hour_ago - timedelta(hours=1), expires_at=an_hour_ago
            )
        )

    response = primary.get("/admin/acme/billing")

    assert response.status_code == 302 and "/admin/acme/login" in response.location


def test_signing_out_ends_the_session_and_a_copy_of_its_cookie(database_url):
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    create_acme(app)
    browser = app.test_client()
    sign_in(browser)
    copy = app.test_client()
    copy.set_cookie("session", browser.get_cookie("session").value)
    token = csrf(browser.get("/admin/acme/billing").text)

    response = browser.post("/admin/acme/logout", data={"csrf_token": token})

    assert response.location == "/admin/acme/login"
    assert browser.get("/admin/acme/billing").status_code == 302
    assert copy.get("/admin/acme/billing").status_code == 302
    assert owner_sessions(app) == 0
    app.extensions["db"].dispose()


def test_opening_the_sign_out_link_asks_to_confirm_and_signs_no_one_out(primary):
    page = primary.get("/admin/acme/logout")

    assert page.status_code == 200 and 'action="/admin/acme/logout"' in page.text
    assert 'method="post"' in page.text and csrf(page.text)
    assert primary.get("/admin/acme/billing").status_code == 200


def test_the_cookie_holds_only_a_key_whose_hash_the_server_keeps(primary, app):
    with primary.session_transaction() as cookie:
        contents = dict(cookie)
    key = contents.pop(OWNER_KEY)

    with app.app_context(), transaction() as db:
        row = db.scalars(select(WebSession)).one()
        owner = db.get(Owner, row.owner_id)
        assert (row.kind, row.via, owner.email) == ("owner", "password", PRIMARY)
        assert row.id_hash == web_sessions.hash_key(key) and row.id_hash != key
    assert set(contents) <= {"csrf_token", "_permanent"}


def test_signing_in_again_replaces_the_session_and_the_forms_token(primary, app):
    before = csrf(primary.get("/admin/acme/billing").text)
    with primary.session_transaction() as cookie:
        old_key = cookie[OWNER_KEY]

    again = primary.post(
        "/admin/acme/login", data={"email": OWNER, "password": PASSWORD, "csrf_token": before}
    )

    assert again.status_code == 302
    with primary.session_transaction() as cookie:
        assert cookie[OWNER_KEY] != old_key and cookie.get("csrf_token") != before
    assert owner_sessions(app) == 1


def test_a_post_without_the_csrf_token_is_refused(primary):
    response = primary.post("/admin/acme/logout")

    assert response.status_code == 400
    assert "did not come from this site" in response.text
    assert primary.get("/admin/acme/billing").status_code == 200


def test_a_sign_in_without_the_csrf_token_is_refused(client, acme):
    response = client.post("/admin/acme/login", data={"email": PRIMARY, "password": "x" * 12})

    assert response.status_code == 400


def test_an_owner_sees_no_edit_seats_control_and_cannot_buy(owner):
    billing = owner.get("/admin/acme/billing")

    assert billing.status_code == 200 and "Edit seats" not in billing.text
    assert owner.get("/admin/acme/billing/seats").status_code == 403
    assert owner.get("/admin/acme/billing/seats/review?seats=1").status_code == 403
    token = csrf(billing.text)
    purchase = {"csrf_token": token, "seats": "1", "on": "2026-01-01", "purchase_token": "x" * 32}
    assert owner.post("/admin/acme/billing/seats", data=purchase).status_code == 403


def test_an_owner_sees_usage_invoices_members_and_requests(owner):
    pages = ["billing", "invoices", "members", "seat-requests", "usage"]

    statuses = [owner.get(f"/admin/acme/{page}").status_code for page in pages]

    assert statuses == [200] * len(pages)


def test_an_owner_of_another_organization_gets_403(client, app, acme):
    from tests.factories import gen_organization, gen_owner

    from .conftest import CHEAP_HASH, PASSWORD, this_term_start

    with app.app_context(), transaction() as db:
        beta = gen_organization(db, slug="beta", name="Beta", start=this_term_start())
        gen_owner(db, beta, "cy@beta.test", password_hash=CHEAP_HASH)
    page = client.get("/admin/beta/login")
    client.post(
        "/admin/beta/login",
        data={"email": "cy@beta.test", "password": PASSWORD, "csrf_token": csrf(page.text)},
    )

    response = client.get("/admin/acme/billing")

    assert response.status_code == 403
    assert "not an owner of this organization" in response.text


def test_an_owner_cannot_use_another_organizations_login_to_get_in(client, acme):
    response = sign_in(client, OWNER.replace("acme", "beta"))

    assert response.status_code == 401


def test_the_sign_in_page_offers_sso_when_the_organization_has_it(client, app, acme):
    from seat_core.models import SsoConfig

    with app.app_context(), transaction() as db:
        db.add(
            SsoConfig(
                organization_id=acme["id"],
                issuer="https://idp.acme.test",
                client_id="gateway",
                client_secret_encrypted="not used here",
                product_url="https://app.acme.test",
                updated_at=datetime.now(UTC),
            )
        )

    page = client.get("/admin/acme/login").text

    assert 'href="/sso/acme/login?next=admin"' in page


def test_a_removed_owner_is_sent_back_to_sign_in(primary, app):
    from sqlalchemy import delete

    from seat_core.models import Owner

    with app.app_context(), transaction() as db:
        db.execute(delete(Owner).where(Owner.email_key == PRIMARY))

    response = primary.get("/admin/acme/billing")

    assert response.status_code == 302 and "/admin/acme/login" in response.location


def test_an_unknown_organization_is_not_found(client):
    assert client.get("/admin/nowhere/billing").status_code == 404
    assert client.get("/admin/nowhere/login").status_code == 404
