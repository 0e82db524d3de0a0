"""Owners invited by email: a single-use link, valid 7 days, sets a password and signs in."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select, update

from scim_gateway import create_app
from scim_gateway.db import transaction
from scim_gateway.outbox.worker import deliver_once
from seat_core import find_owner, get_organization
from seat_core.models import Event, Outbox, OwnerInvitation
from tests.api.operator.conftest import create, operator_header, org_body
from tests.conftest import TEST_CONFIG
from tests.support.smtp import start_smtp_server

from .conftest import csrf, field

NEW_PASSWORD = "a long new password"


@pytest.fixture
def smtp():
    with start_smtp_server() as server:
        yield server


@pytest.fixture
def world(database_url, smtp):
    """The app mailing through a real SMTP server, an operator, and acme and beta."""
    app = create_app(
        {
            **TEST_CONFIG,
            "DATABASE_URL": database_url,
            "SMTP_HOST": smtp.host,
            "SMTP_PORT": smtp.port,
        }
    )
    header = operator_header(app)
    client = app.test_client()
    for slug in ("acme", "beta"):
        assert create(client, header, org_body(slug)).status_code == 201
    yield app, client, header
    app.extensions["db"].dispose()


def invite(client, header, slug="acme", email="ann@acme.test", role="primary_owner"):
    response = client.post(
        f"/api/v1/operator/orgs/{slug}/owners",
        json={"email": email, "role": role},
        headers={"Authorization": header},
    )
    assert response.status_code == 201, response.json
    return response


def mailed_link(app, smtp, count=1):
    """Deliver the outbox and return the link of the count-th mail received."""
    deliver_once(app, renewals=False)
    mail = smtp.wait_for(count)[count - 1]
    text = mail.message.get_body(("plain",)).get_content()
    match = re.search(r"(http://\S+/admin/\S+/password\?token=\S+)", text)
    assert match, text
    return mail, match.group(1).removeprefix(TEST_CONFIG["PUBLIC_URL"])


def set_password(client, path, password=NEW_PASSWORD, confirm=None, with_csrf=True):
    page = client.get(path)
    data = {"password": password, "confirm": confirm or password}
    if page.status_code == 200:
        data["token"] = field(page.text, "token")
        if with_csrf:
            data["csrf_token"] = csrf(page.text)
    else:
        # The link's page is refused: a CSRF token from another of the organization's pages.
        data["token"] = path.partition("token=")[2]
        slug = path.split("/")[2]
        data["csrf_token"] = csrf(client.get(f"/admin/{slug}/password-reset").text)
    return client.post(path.partition("?")[0], data=data)


def test_an_invitation_mail_sets_a_password_and_signs_the_owner_in(world, smtp):
    app, client, header = world
    invite(client, header)

    mail, path = mailed_link(app, smtp)
    page = client.get(path)
    done = set_password(client, path)
    billing = client.get("/admin/acme/billing")

    assert mail.rcpt_tos == ["ann@acme.test"]
    assert "invited" in mail.message["Subject"]
    assert page.status_code == 200 and "ann@acme.test" in page.text
    assert page.headers["Referrer-Policy"] == "no-referrer"
    assert done.status_code == 302 and done.headers["Location"].endswith("/admin/acme/billing")
    assert billing.status_code == 200
    with app.app_context(), transaction() as session:
        owner = find_owner(session, get_organization(session, "acme"), "ann@acme.test")
        assert owner.password_hash is not None and NEW_PASSWORD not in owner.password_hash
        kinds = [
            (row.type, row.actor_type, row.actor_label)
            for row in session.scalars(select(Event).where(Event.type.like("owner.%")))
        ]
        outbox = [row.payload for row in session.scalars(select(Outbox))]
    assert kinds[:3] == [
        ("owner.invited", "operator", "crm-sync"),
        ("owner.password_set", "owner", "ann@acme.test"),
        ("owner.signed_in", "owner", "ann@acme.test"),
    ]
    assert path.partition("token=")[2] not in str(outbox)  # sealed at rest


def test_a_link_used_twice_is_refused_the_second_time(world, smtp):
    app, client, header = world
    invite(client, header)
    _, path = mailed_link(app, smtp)
    assert set_password(client, path).status_code == 302
    other = app.test_client()

    again_page = other.get(path)
    again_post = other.post(
        "/admin/acme/password",
        data={"token": path.partition("token=")[2], "password": "x" * 20, "confirm": "x" * 20,
              "csrf_token": csrf(other.get("/admin/acme/password-reset").text)},
    )  # fmt: skip

    assert again_page.status_code == 410
    assert again_post.status_code == 410
    assert "Send me a new link" in again_page.text


def test_an_expired_link_is_refused(world, smtp):
    app, client, header = world
    invite(client, header)
    _, path = mailed_link(app, smtp)
    with app.app_context(), transaction() as session:
        past = datetime.now(UTC) - timedelta(days=8)
        session.execute(
            update(OwnerInvitation).values(created_at=past, expires_at=past + timedelta(days=7))
        )

    assert client.get(path).status_code == 410
    assert set_password(client, path).status_code == 410


def test_a_link_of_another_organization_is_refused(world, smtp):
    app, client, header = world
    invite(client, header)
    _, path = mailed_link(app, smtp)
    foreign = path.replace("/admin/acme/", "/admin/beta/")

    assert client.get(foreign).status_code == 410
    assert set_password(client, foreign).status_code == 410
    assert set_password(client, path).status_code == 302  # still good where it belongs


def test_setting_a_password_needs_csrf_and_a_sound_password(world, smtp):
    app, client, header = world
    invite(client, header)
    _, path = mailed_link(app, smtp)

    no_csrf = set_password(client, path, with_csrf=False)
    short = set_password(client, path, password="short")
    differ = set_password(client, path, confirm="another long password")

    assert no_csrf.status_code == 400
    assert (short.status_code, differ.status_code) == (422, 422)
    with app.app_context(), transaction() as session:
        owner = find_owner(session, get_organization(session, "acme"), "ann@acme.test")
        assert owner.password_hash is None
    assert set_password(client, path).status_code == 302


def test_a_reset_answers_the_same_for_known_and_unknown_addresses(world, smtp):
    app, client, header = world
    invite(client, header)
    _, path = mailed_link(app, smtp)
    set_password(client, path)
    stranger = app.test_client()
    form = stranger.get("/admin/acme/password-reset")

    known = stranger.post(
        "/admin/acme/password-reset",
        data={"email": "ann@acme.test", "csrf_token": csrf(form.text)},
    )
    unknown = stranger.post(
        "/admin/acme/password-reset",
        data={"email": "nobody@acme.test", "csrf_token": csrf(form.text)},
    )
    mail, reset_path = mailed_link(app, smtp, count=2)
    changed = set_password(stranger, reset_path, password="the newest password")

    assert known.status_code == unknown.status_code == 200
    assert known.text == unknown.text
    assert mail.rcpt_tos == ["ann@acme.test"] and "new password" in mail.message["Subject"]
    assert changed.status_code == 302
    assert len(smtp.messages) == 2  # nothing was mailed for the unknown address
    login = app.test_client()
    page = login.get("/admin/acme/login")
    old = login.post(
        "/admin/acme/login",
        data={"email": "ann@acme.test", "password": NEW_PASSWORD, "csrf_token": csrf(page.text)},
    )
    assert old.status_code == 401


def test_a_primary_owner_invites_an_owner_from_the_owners_page(world, smtp):
    app, client, header = world
    invite(client, header)
    _, path = mailed_link(app, smtp)
    set_password(client, path)
    page = client.get("/admin/acme/owners")

    no_csrf = client.post("/admin/acme/owners", data={"email": "bob@acme.test", "role": "owner"})
    bad = client.post(
        "/admin/acme/owners", data={"email": "nope", "role": "owner", "csrf_token": csrf(page.text)}
    )
    sent = client.post(
        "/admin/acme/owners",
        data={"email": "bob@acme.test", "role": "owner", "csrf_token": csrf(page.text)},
    )
    mail, bob_path = mailed_link(app, smtp, count=2)
    bob = app.test_client()
    assert set_password(bob, bob_path).status_code == 302
    bob_page = bob.get("/admin/acme/owners")
    bob_try = bob.post(
        "/admin/acme/owners",
        data={"email": "eve@acme.test", "role": "owner", "csrf_token": csrf(bob_page.text)},
    )

    assert page.status_code == 200 and "Invite an owner" in page.text
    assert (no_csrf.status_code, bad.status_code, sent.status_code) == (400, 422, 302)
    assert mail.rcpt_tos == ["bob@acme.test"]
    assert "Invite an owner" not in bob_page.text and "bob@acme.test" in bob_page.text
    assert bob_try.status_code == 403
    with app.app_context(), transaction() as session:
        invited = session.scalars(select(Event).where(Event.type == "owner.invited")).all()
        assert [(e.actor_type, e.subject) for e in invited] == [
            ("operator", "ann@acme.test"),
            ("owner", "bob@acme.test"),
        ]


def test_the_command_line_invites_an_owner(world, smtp, database_url, monkeypatch):
    from click.testing import CliRunner

    from scim_gateway.cli import cli

    app, client, _ = world
    monkeypatch.setenv("SCIM_GATEWAY_DATABASE_URL", database_url)
    monkeypatch.setenv("SCIM_GATEWAY_SECRET_KEY", TEST_CONFIG["SECRET_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_ENCRYPTION_KEY", TEST_CONFIG["ENCRYPTION_KEY"])
    monkeypatch.setenv("SCIM_GATEWAY_PUBLIC_URL", TEST_CONFIG["PUBLIC_URL"])

    result = CliRunner().invoke(
        cli, ["owner", "invite", "--org", "acme", "--email", "cy@acme.test", "--role", "owner"]
    )
    _, path = mailed_link(app, smtp)

    assert result.exit_code == 0, result.output
    assert set_password(client, path).status_code == 302
    assert client.get("/admin/acme/usage").status_code == 200


def test_an_organization_can_require_a_second_factor_of_its_owners(world, smtp):
    import pyotp

    app, client, header = world
    invite(client, header)
    _, path = mailed_link(app, smtp)
    set_password(client, path)
    page = client.get("/admin/acme/owners")
    no_csrf = client.post("/admin/acme/owners/two-factor", data={"required": "on"})
    required = client.post(
        "/admin/acme/owners/two-factor", data={"required": "on", "csrf_token": csrf(page.text)}
    )
    assert (no_csrf.status_code, required.status_code) == (400, 302)

    # The next password sign-in enrols an authenticator before the session opens.
    ann = app.test_client()
    form = ann.get("/admin/acme/login")
    proven = ann.post(
        "/admin/acme/login",
        data={"email": "ann@acme.test", "password": NEW_PASSWORD, "csrf_token": csrf(form.text)},
    )
    assert proven.headers["Location"].endswith("/admin/acme/two-factor")
    assert ann.get("/admin/acme/billing").status_code == 302  # not signed in yet
    enrol = ann.get("/admin/acme/two-factor")
    totp = pyotp.TOTP(re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', enrol.text).group(1))
    wrong = ann.post(
        "/admin/acme/two-factor", data={"code": "12345", "csrf_token": csrf(enrol.text)}
    )
    enrolled = ann.post(
        "/admin/acme/two-factor", data={"code": totp.now(), "csrf_token": csrf(enrol.text)}
    )
    assert (wrong.status_code, enrolled.status_code) == (422, 302)
    assert ann.get("/admin/acme/billing").status_code == 200

    def sign_in(code):
        other = app.test_client()
        form = other.get("/admin/acme/login")
        return other.post(
            "/admin/acme/login",
            data={"email": "ann@acme.test", "password": NEW_PASSWORD, "code": code,
                  "csrf_token": csrf(form.text)},
        )  # fmt: skip

    with app.app_context(), transaction() as session:
        step = find_owner(
            session, get_organization(session, "acme"), "ann@acme.test"
        ).totp_last_step
    assert sign_in("").status_code == 401
    assert sign_in(totp.generate_otp(step)).status_code == 401  # replayed
    assert sign_in(totp.at(datetime.now(UTC) + timedelta(minutes=3))).status_code == 401
    assert sign_in(totp.generate_otp(step + 1)).status_code == 302
