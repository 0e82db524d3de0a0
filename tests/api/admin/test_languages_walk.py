"""Every owners' page, in English and in Spanish: the Spanish pages show no English word.

The walk takes every GET rule of the ``admin`` blueprint from the app's URL map, so a new
page is walked as soon as it exists; a rule the walk cannot fill fails the test. It signs in
as the Primary Owner of an organization with members, a forecast, a pending seat request,
an invoice, activity, alerts and tokens; the sign-in, password and second-factor pages are
opened as someone signed out (or half-way through enrolling). File downloads (CSV, PDF)
are not pages: skipped.

In English the organization speaks English and the browser asks for nothing; in Spanish
the organization speaks Spanish (so its invoice is issued in Spanish) and the browser asks
for it. A Spanish page fails on any word of tests/support/english.py's vocabulary: the
catalog's English words that no Spanish text uses, and the commonest English words.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from flask import Flask, url_for
from flask.testing import FlaskClient

from scim_gateway.admin.two_factor import PENDING
from scim_gateway.crypto import encrypt
from scim_gateway.tokens import issue_token
from scim_gateway.totp import new_totp_secret
from seat_core import (
    add_recipient,
    add_webhook_endpoint,
    identity_key,
    purchase_seats,
    record_refusal,
    send_test_webhook,
    set_alert_settings,
)
from seat_core.invitations import invite_owner, new_link_secret
from tests.factories import gen_member, gen_organization, gen_owner, gen_sso_config
from tests.support.english import english_in, vocabulary
from tests.support.histories import seed
from tests.support.webhooks import PUBLIC_ADDRESS

from .conftest import CHEAP_HASH, PRIMARY, sign_in

# Downloads, not pages: nothing in them is read in a browser's language.
DOWNLOADS = {
    "admin.activity_csv": "the activity as CSV",
    "admin.invoice_csv": "an invoice as CSV",
    "admin.invoice_pdf_download": "an invoice as PDF",
}
SPANISH = {"Accept-Language": "es"}
HTML_LANG = re.compile(r"<html\b[^>]*\blang=\"([^\"]*)\"")


@dataclass
class World:
    """What the pages are filled with: ids of acme's rows, and an owner's link secret."""

    invoice: str
    member_id: str
    link: str
    owner_id: int


@dataclass(frozen=True)
class Page:
    """How to open one admin GET rule: as whom, with which URL values and query."""

    who: str  # "primary" (signed in), "anyone" (signed out), "enrolling" (second factor)
    values: Callable[[World], dict[str, Any]] = lambda world: {}
    redirects: bool = False  # answers with a redirect to a page (the walk follows it)


PAGES = {
    "admin.home": Page("primary", redirects=True),
    "admin.billing": Page("primary"),
    "admin.edit_seats": Page("primary"),
    # Reached from a link, the review first gives itself a one-time edit token.
    "admin.seats_review": Page("primary", lambda world: {"seats": 5}, redirects=True),
    "admin.members": Page("primary"),
    "admin.confirm_unassign": Page("primary", lambda world: {"member_id": world.member_id}),
    "admin.seat_requests": Page("primary"),
    "admin.invoices": Page("primary"),
    "admin.invoice": Page("primary", lambda world: {"number": world.invoice}),
    "admin.invoice_print": Page("primary", lambda world: {"number": world.invoice}),
    "admin.usage_history": Page("primary"),
    "admin.activity": Page("primary"),
    "admin.alerts": Page("primary"),
    "admin.owners": Page("primary"),
    "admin.confirm_logout": Page("primary"),
    "admin.login": Page("anyone"),
    "admin.reset_password": Page("anyone"),
    "admin.set_password": Page("anyone", lambda world: {"token": world.link}),
    "admin.enrol_second_factor": Page("enrolling"),
}


def admin_pages(app: Flask) -> list[str]:
    """Return the endpoint of every GET rule of the admin blueprint, downloads left out."""
    return sorted(
        rule.endpoint
        for rule in app.url_map.iter_rules()
        if rule.endpoint.startswith("admin.")
        and "GET" in (rule.methods or ())
        and rule.endpoint not in DOWNLOADS
    )


def build(app: Flask, language: str) -> World:
    """acme speaking language: 50 seats from 100 days ago, 40 taken one a day (a forecast),
    a pending seat request, an invoice, alerts, tokens, SSO and an owner invited."""
    now = datetime.now(UTC)
    today = now.date()
    with app.app_context(), app.extensions["db"].sessions.begin() as session:
        acme = gen_organization(session, seats=50, start=today - timedelta(days=100), at=now)
        acme.language = language  # its invoices are issued, and always shown, in it
        owner = gen_owner(session, acme, PRIMARY, password_hash=CHEAP_HASH)
        seed(session, "acme", "steady", today=today)
        member = gen_member(session, acme, "carmen.ruiz@acme.test", at=now)
        invoice = purchase_seats(session, acme, seats=5, on=today, at=now).invoice.number
        record_refusal(
            session, acme, channel="sso", identity="lucia@acme.test",
            identity_key=identity_key("lucia@acme.test"), at=now,
            display_name="Lucía Pérez", email="lucia@acme.test",
        )  # fmt: skip
        set_alert_settings(session, acme, thresholds="80, 95", digest_minutes=30, at=now)
        add_recipient(session, acme, email="finanzas@acme.test", at=now)
        endpoint = add_webhook_endpoint(
            session, acme, url=f"https://{PUBLIC_ADDRESS}/hooks",
            secret_encrypted=encrypt("whsec_" + "A" * 32), at=now,
        )  # fmt: skip
        send_test_webhook(session, acme, endpoint.id, at=now)
        issue_token(session, acme, kind="scim", at=now)
        issue_token(session, acme, kind="api", at=now, owner_id=owner.id)
        gen_sso_config(session, acme)
        link = new_link_secret()
        invite_owner(
            session, acme, email="carmen@acme.test", role="owner", secret=link,
            sealed_link=encrypt("sealed"), at=now,
        )  # fmt: skip
        return World(invoice=invoice, member_id=member.id, link=link, owner_id=owner.id)


def walk(app: Flask, language: str, headers: dict[str, str]) -> dict[str, Any]:
    """Open every admin page of an organization speaking language, with those headers."""
    unfilled = [endpoint for endpoint in admin_pages(app) if endpoint not in PAGES]
    assert not unfilled, f"admin pages the walk cannot open (add them to PAGES): {unfilled}"
    world = build(app, language)
    primary = app.test_client()
    assert sign_in(primary).status_code == 302
    enrolling = app.test_client()
    with app.app_context():
        secret = encrypt(new_totp_secret())
    with enrolling.session_transaction() as cookie:
        cookie[PENDING] = {"org": "acme", "owner": world.owner_id, "secret": secret}
    clients: dict[str, FlaskClient] = {"primary": primary, "enrolling": enrolling}
    opened = {}
    for endpoint, page in PAGES.items():
        with app.test_request_context():
            url = url_for(endpoint, org="acme", **page.values(world))
        client = clients.get(page.who) or app.test_client()
        response = client.get(url, headers=headers, follow_redirects=page.redirects)
        # A page that sends a signed-in owner to sign in again is not the page it names.
        assert not response.history or not response.request.path.endswith("/login"), url
        opened[f"{endpoint} ({url})"] = response
    return opened


def test_the_walk_opens_every_admin_page(sqlite_app: Flask) -> None:
    pages = admin_pages(sqlite_app)

    assert sorted(PAGES) == pages, "add the new admin GET page to PAGES, or to DOWNLOADS"


def test_every_admin_page_answers_in_english(sqlite_app: Flask) -> None:
    opened = walk(sqlite_app, "en", {})

    wrong = {page: r.status_code for page, r in opened.items() if r.status_code != 200}
    assert not wrong, f"pages that did not answer 200: {wrong}"
    foreign = {page: HTML_LANG.findall(r.text) for page, r in opened.items()}
    assert {page: langs for page, langs in foreign.items() if langs != ["en"]} == {}


def test_the_spanish_pages_show_no_english(sqlite_app: Flask) -> None:
    known = vocabulary()

    opened = walk(sqlite_app, "es", SPANISH)

    wrong = {page: r.status_code for page, r in opened.items() if r.status_code != 200}
    assert not wrong, f"pages that did not answer 200 in Spanish: {wrong}"
    problems = []
    for page, response in opened.items():
        langs = HTML_LANG.findall(response.text)
        if langs != ["es"]:
            problems.append(f'{page}: <html lang="{",".join(langs)}">, not "es"')
        english = english_in(response.text, known)
        if english:
            problems.append(f"{page}: {len(english)} English words: {', '.join(english)}")
    assert not problems, "Spanish pages with English in them:\n" + "\n".join(problems)
