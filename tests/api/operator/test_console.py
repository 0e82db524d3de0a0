"""The operator console: invitation, password and TOTP sign-in, CSRF, organizations, actions."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from sqlalchemy import select, update

from scim_gateway.db import transaction
from scim_gateway.operator.people import add_operator
from seat_core import get_organization
from seat_core.models import ApiToken, Event, Operator, OperatorLink

from .conftest import create, operator_header, org_body

PASSWORD = "operator password 1"
EMAIL = "ops@vendor.test"


def csrf(html: str) -> str:
    match = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert match, html[:500]
    return match.group(1)


def invite(app) -> str:
    with app.app_context(), transaction() as session:
        _, secret = add_operator(session, email=EMAIL, at=datetime.now(UTC))
    return f"/operator/welcome?token={secret}"


def enrol(client, path: str) -> tuple[pyotp.TOTP, object]:
    page = client.get(path)
    secret = re.search(r'data-testid="totp-secret">([A-Z2-7]+)<', page.text).group(1)
    totp = pyotp.TOTP(secret)
    response = client.post(
        "/operator/welcome",
        data={"token": path.partition("token=")[2], "password": PASSWORD, "confirm": PASSWORD,
              "code": totp.now(), "csrf_token": csrf(page.text)},
    )  # fmt: skip
    return totp, response


def sign_in(client, code: str, password: str = PASSWORD):
    page = client.get("/operator/login")
    return client.post(
        "/operator/login",
        data={"email": EMAIL, "password": password, "code": code, "csrf_token": csrf(page.text)},
    )


@pytest.fixture
def console(app):
    """A client of a signed-in operator, and their authenticator."""
    client = app.test_client()
    totp, response = enrol(client, invite(app))
    assert response.status_code == 302, response.text
    return client, totp


def test_an_invited_operator_enrols_and_is_signed_in(app, console):
    client, _ = console

    page = client.get("/operator/")

    assert page.status_code == 200 and "Organizations" in page.text
    with app.app_context(), transaction() as session:
        operator = session.scalars(select(Operator)).one()
        assert operator.password_hash.startswith("$argon2")
        assert operator.totp_secret_encrypted and "=" not in operator.email


def test_the_console_needs_a_signed_in_operator(app):
    client = app.test_client()

    assert client.get("/operator/").headers["Location"].endswith("/operator/login")
    assert client.get("/operator/orgs/acme").status_code == 302


def test_an_invitation_link_works_once_and_not_after_seven_days(app):
    path = invite(app)
    assert enrol(app.test_client(), path)[1].status_code == 302
    assert app.test_client().get(path).status_code == 410
    late = invite(app)
    with app.app_context(), transaction() as session:
        past = datetime.now(UTC) - timedelta(days=8)
        session.execute(
            update(OperatorLink)
            .where(OperatorLink.used_at.is_(None))
            .values(created_at=past, expires_at=past + timedelta(days=7))
        )
    assert app.test_client().get(late).status_code == 410


def test_totp_is_refused_when_wrong_replayed_or_from_another_window(app, console):
    _, totp = console
    with app.app_context(), transaction() as session:
        enrolled = session.scalars(select(Operator)).one().totp_last_step
    at_step = lambda step: totp.generate_otp(step)  # noqa: E731

    wrong = sign_in(app.test_client(), "000000" if at_step(enrolled) != "000000" else "111111")
    replayed = sign_in(app.test_client(), at_step(enrolled))
    older = sign_in(app.test_client(), at_step(enrolled - 1))
    far_past = sign_in(app.test_client(), totp.at(datetime.now(UTC) - timedelta(minutes=3)))
    far_future = sign_in(app.test_client(), totp.at(datetime.now(UTC) + timedelta(minutes=3)))
    bad_password = sign_in(app.test_client(), at_step(enrolled + 1), password="not it at all")
    good = sign_in(app.test_client(), at_step(enrolled + 1))
    again = sign_in(app.test_client(), at_step(enrolled + 1))

    for refused in (wrong, replayed, older, far_past, far_future, bad_password, again):
        assert refused.status_code == 401
    assert good.status_code == 302


def test_every_console_post_needs_the_csrf_token(app, console):
    client, _ = console
    header = operator_header(app)
    create(client, header, org_body())
    posts = [
        ("/operator/login", {"email": EMAIL, "password": PASSWORD, "code": "123456"}),
        ("/operator/welcome", {"token": "x", "password": PASSWORD, "confirm": PASSWORD}),
        ("/operator/logout", {}),
        ("/operator/orgs/acme/issue-token", {"label": "okta", "confirm": "yes"}),
        ("/operator/orgs/acme/revoke-token", {"token_id": "1", "confirm": "yes"}),
        (
            "/operator/orgs/acme/invite-owner",
            {"email": "a@acme.test", "role": "owner", "confirm": "yes"},
        ),
        ("/operator/orgs/acme/mark-paid", {"number": "INV-1", "confirm": "yes"}),
        ("/operator/orgs/acme/next-term", {"price": "1.00", "confirm": "yes"}),
    ]

    for path, data in posts:
        assert client.post(path, data=data).status_code == 400, path
        forged = {**data, "csrf_token": "forged"}
        assert client.post(path, data=forged).status_code == 400, path

    assert client.get("/operator/").status_code == 200  # still signed in
    with app.app_context(), transaction() as session:
        assert session.scalars(select(ApiToken)).all() == []


def test_organizations_filter_search_and_sort_numerically(app, console):
    client, _ = console
    header = operator_header(app)
    for slug, seats in (("alpha", 9), ("bravo", 10), ("charlie", 100)):
        create(client, header, org_body(slug, seats=seats))

    def slugs(query):
        page = client.get(f"/operator/?{query}").text
        return re.findall(r'<tr data-slug="([a-z]+)"', page)

    assert slugs("sort=purchased") == ["alpha", "bravo", "charlie"]
    assert slugs("sort=purchased&dir=desc") == ["charlie", "bravo", "alpha"]
    assert slugs("q=RAV") == ["bravo"]
    assert slugs("near_full=1") == []
    assert slugs("term_ending=1") == []
    assert slugs("token_expiring=1") == []
    token = csrf(client.get("/operator/").text)
    client.post(
        "/operator/orgs/bravo/issue-token",
        data={"label": "okta", "days": "10", "confirm": "yes", "csrf_token": token},
    )
    assert slugs("token_expiring=1") == ["bravo"]


def test_an_action_asks_first_naming_the_organization_then_acts_as_the_operator(app, console):
    client, _ = console
    create(client, operator_header(app), org_body(name="Acme Widgets"))
    token = csrf(client.get("/operator/orgs/acme").text)

    asked = client.post(
        "/operator/orgs/acme/invite-owner",
        data={"email": "ann@acme.test", "role": "primary_owner", "csrf_token": token},
    )
    with app.app_context(), transaction() as session:
        assert session.scalars(select(Event).where(Event.type == "owner.invited")).all() == []
    done = client.post(
        "/operator/orgs/acme/invite-owner",
        data={
            "email": "ann@acme.test",
            "role": "primary_owner",
            "confirm": "yes",
            "csrf_token": token,
        },
    )
    page = client.get("/operator/orgs/acme")

    assert asked.status_code == 200
    assert "Mail ann@acme.test an invitation to own Acme Widgets?" in asked.text
    assert done.status_code == 302
    assert "ann@acme.test" in page.text and "owner.invited" in page.text
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        (event,) = session.scalars(select(Event).where(Event.type == "owner.invited")).all()
        assert (event.organization_id, event.actor_type, event.actor_label) == (
            organization.id, "operator", EMAIL,
        )  # fmt: skip


def test_console_actions_revoke_mark_paid_and_change_the_next_term(app, console):
    from seat_core import purchase_seats
    from seat_core.models import Invoice

    client, _ = console
    create(client, operator_header(app), org_body(seats=3))
    with app.app_context(), transaction() as session:
        at = datetime.now(UTC)
        number = purchase_seats(
            session, get_organization(session, "acme"), seats=1, on=at.date(), at=at
        ).invoice.number
    token = csrf(client.get("/operator/orgs/acme").text)

    def confirmed(action, **data):
        return client.post(
            f"/operator/orgs/acme/{action}", data={**data, "confirm": "yes", "csrf_token": token}
        )

    issued = confirmed("issue-token", label="okta", days="30")
    secret = re.search(r'data-testid="scim-token" class="break">([^<]+)<', issued.text).group(1)
    with app.app_context(), transaction() as session:
        token_id = session.scalars(select(ApiToken.id)).one()
    revoked = confirmed("revoke-token", token_id=str(token_id))
    paid = confirmed("mark-paid", number=number)
    changed = confirmed("next-term", price="400.00", min_seats="2", auto_renew="on")
    bad_price = confirmed("next-term", price="a lot")
    unknown_invoice = confirmed("mark-paid", number="INV-404")

    assert secret.startswith("scim_")
    assert (revoked.status_code, paid.status_code, changed.status_code) == (302, 302, 302)
    assert (bad_price.status_code, unknown_invoice.status_code) == (422, 404)
    assert (
        client.get("/scim/v2/Users", headers={"Authorization": f"Bearer {secret}"}).status_code
        == 401
    )
    with app.app_context(), transaction() as session:
        invoice = session.scalars(select(Invoice).where(Invoice.number == number)).one()
        assert invoice.paid_on is not None
        contract = get_organization(session, "acme").contract
        assert (contract.price_per_seat_year_minor, contract.next_price_per_seat_year_minor) == (
            36000, 40000,
        )  # fmt: skip
        logged = {
            (row.type, row.actor_label)
            for row in session.scalars(select(Event).where(Event.actor_type == "operator"))
        }
    for kind in ("token.issued", "token.revoked", "invoice.paid", "organization.changed"):
        assert (kind, EMAIL) in logged


def test_an_owner_session_opens_no_console_page_and_an_operator_session_no_admin_page(app, console):
    from tests.api.admin.conftest import create_acme, sign_in

    client, _ = console
    create_acme(app)
    owner = app.test_client()
    assert sign_in(owner).status_code == 302

    assert owner.get("/operator/").status_code == 302
    assert owner.get("/operator/orgs/acme").status_code == 302
    assert client.get("/admin/acme/billing").status_code == 302
    assert client.get("/operator/orgs/acme").status_code == 200
