"""An operator onboards an organization end to end: API, mail, Chromium, SCIM, event log.

Everything is real: gunicorn on PostgreSQL, an aiosmtpd server, Chromium, and the
operator's command line; the only client code is the operator's and the IdP's HTTP calls.
"""

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime

import pyotp
import pytest
import requests
from playwright.sync_api import Page, expect
from sqlalchemy import select

from scim_gateway.operator.pages import FILTERS
from seat_core import get_organization, make_engine, make_sessionmaker
from seat_core.models import Event
from tests.databases import truncate_all
from tests.support.ports import free_port
from tests.support.servers import PATIENT_STARTUP, run_cli, start_gunicorn
from tests.support.smtp import SmtpServer

KEY = "aWtbcxwtS1yd6S8x8Nn1GWmFz8Xq1QOTyhSU9Bd7Kzo="
# For each filter of the organizations page: the checkbox is left of its label's text and
# its middle is within the text's height, i.e. they share a line.
CHECKBOX_BESIDE_LABEL = """() =>
  Array.from(document.querySelectorAll("form.filters fieldset label")).map((label) => {
    const box = label.querySelector("input[type=checkbox]").getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(label);
    range.setStartAfter(label.querySelector("input"));
    const text = range.getBoundingClientRect();
    const middle = (box.top + box.bottom) / 2;
    return middle > text.top && middle < text.bottom && box.right <= text.left;
  })"""
PASSWORD = "a long enough password"


@pytest.fixture
def world(
    postgres_url_session: str, smtp_server: SmtpServer
) -> Iterator[tuple[str, dict[str, str]]]:
    """Run the gateway on PostgreSQL, mailing through the SMTP server; yield URL and env."""
    truncate_all(postgres_url_session)
    port = free_port()
    env = {
        "SCIM_GATEWAY_DATABASE_URL": postgres_url_session,
        "SCIM_GATEWAY_SECRET_KEY": "operator-e2e-secret-key",
        "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
        "SCIM_GATEWAY_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "SCIM_GATEWAY_SMTP_HOST": smtp_server.host,
        "SCIM_GATEWAY_SMTP_PORT": str(smtp_server.port),
    }
    with start_gunicorn(env, workers=2, port=port, startup_timeout=PATIENT_STARTUP) as base_url:
        yield base_url, env


def events(url: str) -> list[tuple[str, str, str | None]]:
    engine = make_engine(url)
    with make_sessionmaker(engine).begin() as session:
        organization = get_organization(session, "acme")
        rows = [
            (row.type, row.actor_type, row.actor_label)
            for row in session.scalars(
                select(Event).where(Event.organization_id == organization.id).order_by(Event.id)
            )
        ]
    engine.dispose()
    return rows


def test_an_operator_onboards_an_organization_that_buys_seats_and_provisions(
    world, smtp_server, postgres_url_session, page: Page, screenshot
):
    base, env = world
    issued = run_cli(["operator", "token", "issue", "--label", "crm", "--json"], env=env)
    assert issued.returncode == 0, issued.stderr
    operator = {"Authorization": f"Bearer {json.loads(issued.stdout)['token']}"}
    api = f"{base}/api/v1/operator"

    # 1. The CRM creates the organization; its retry creates nothing more.
    start = datetime.now(UTC).date().replace(day=1).isoformat()
    body = {"slug": "acme", "name": "Acme", "seats": 10, "price_per_seat_year": "360.00",
            "currency": "USD", "start": start}  # fmt: skip
    key = {"Idempotency-Key": str(uuid.uuid4())}
    created = requests.post(f"{api}/orgs", json=body, headers={**operator, **key}, timeout=10)
    replayed = requests.post(f"{api}/orgs", json=body, headers={**operator, **key}, timeout=10)
    assert (created.status_code, replayed.status_code) == (201, 201)
    assert replayed.headers["Idempotent-Replayed"] == "true"
    assert replayed.json()["slug"] == created.json()["slug"] == "acme"
    listed = requests.get(f"{api}/orgs", headers=operator, timeout=10).json()["organizations"]
    assert [row["slug"] for row in listed] == ["acme"]

    # 2. A SCIM token for the IdP, then the Primary Owner's invitation.
    scim = requests.post(
        f"{api}/orgs/acme/scim-tokens", json={"label": "okta"}, headers=operator, timeout=10
    )
    invited = requests.post(
        f"{api}/orgs/acme/owners",
        json={"email": "ann@acme.test", "role": "primary_owner"},
        headers=operator,
        timeout=10,
    )
    assert (scim.status_code, invited.status_code) == (201, 201)

    # 3. The mail arrives; its link, in Chromium, sets a password and signs the owner in.
    delivered = run_cli(["alerts", "deliver"], env=env)
    assert delivered.returncode == 0, delivered.stderr
    (mail,) = smtp_server.wait_for(1)
    assert mail.rcpt_tos == ["ann@acme.test"]
    text = mail.message.get_body(("plain",)).get_content()
    link = re.search(r"(http://\S+/admin/acme/password\?token=\S+)", text)
    assert link, text
    page.goto(link.group(1))
    screenshot(page, "1-set-password")
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    page.get_by_role("button", name="Set password and sign in").click()
    expect(page.get_by_role("heading", name="Billing settings")).to_be_visible()

    # 4. The owner buys five seats.
    page.get_by_role("link", name="Edit seats").click()
    page.get_by_label("Seats to add").fill("5")
    page.get_by_role("button", name="Review").click()
    page.get_by_role("button", name="Update").click()
    expect(page.get_by_role("heading", name=re.compile(r"Invoice INV-\d+"))).to_be_visible()
    screenshot(page, "2-invoice")

    # 5. The IdP provisions a user with the operator's token.
    user = requests.post(
        f"{base}/scim/v2/Users",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "dana@acme.test",
            "active": True,
        },
        headers={
            "Authorization": f"Bearer {scim.json()['token']}",
            "Content-Type": "application/scim+json",
        },
        timeout=10,
    )
    assert user.status_code == 201, user.text

    # 6. The operator sees the new numbers; the log names who did each step.
    row = requests.get(f"{api}/orgs/acme", headers=operator, timeout=10).json()
    assert row["seats"]["purchased"] == 15 and row["seats"]["in_use"] == 1
    assert row["invoices"]["due"] == 1
    log = events(postgres_url_session)
    for step in [
        ("organization.created", "operator", "crm"),
        ("token.issued", "operator", "crm"),
        ("owner.invited", "operator", "crm"),
        ("owner.password_set", "owner", "ann@acme.test"),
        ("owner.signed_in", "owner", "ann@acme.test"),
        ("seats.purchased", "owner", "ann@acme.test"),
        ("member.created", "scim_token", "okta"),
        ("seat.taken", "scim_token", "okta"),
    ]:
        assert step in log, (step, log)
    assert [kind for kind, _, _ in log].index("organization.created") == 0

    # 7. An operator, invited by mail, enrols in the console and sees the new numbers,
    # at desktop and phone widths.
    added = run_cli(["operator", "add", "--email", "ops@vendor.test"], env=env)
    assert added.returncode == 0, added.stderr
    invitation = smtp_server.wait_for(2)[1]
    assert invitation.rcpt_tos == ["ops@vendor.test"]
    text = invitation.message.get_body(("plain",)).get_content()
    welcome = re.search(r"(http://\S+/operator/welcome\?token=\S+)", text)
    assert welcome, text
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(welcome.group(1))
    page.get_by_label("New password").fill(PASSWORD)
    page.get_by_label("The same password again").fill(PASSWORD)
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("The code it shows now").fill(pyotp.TOTP(secret).now())
    screenshot(page, "3-operator-enrolment")
    page.get_by_role("button", name="Save and sign in").click()
    row = page.locator('tr[data-slug="acme"]')
    expect(row.locator('td[data-label="Seats used"]')).to_have_text("1")
    expect(row.locator('td[data-label="Purchased"]')).to_have_text("15")
    expect(row.locator('td[data-label="Invoices due"]')).to_have_text("1")
    for width in (1280, 390):
        page.set_viewport_size({"width": width, "height": 900})
        for path in ("/operator/", "/operator/orgs/acme"):
            page.goto(f"{base}{path}")
            screenshot(page, f"4-console-{width}-{path.strip('/').replace('/', '-')}")
            assert page.evaluate("document.documentElement.scrollWidth") <= width, (width, path)
            if path == "/operator/":
                beside = page.evaluate(CHECKBOX_BESIDE_LABEL)
                assert len(beside) == len(FILTERS) and all(beside), (width, beside)
    expect(page.get_by_test_id("seats")).to_contain_text("1 of 15 in use")
    expect(page.get_by_test_id("events")).to_contain_text("owner.invited")
