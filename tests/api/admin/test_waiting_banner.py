"""The waiting banner, Edit seats prefilled from it, and Admit all on Seat requests."""

import re
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from scim_gateway.clock import today_for
from scim_gateway.db import transaction
from seat_core import (
    contract_of,
    get_organization,
    identity_key,
    quote_purchase,
    record_refusal,
    set_tax_rate,
)
from seat_core.models import SeatRequest
from tests.factories import gen_member

from .conftest import create_acme, post_form, sign_in


def crowd(app, *, holding, waiting):
    """Give acme members holding seats, and people waiting, oldest first."""
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        for n in range(holding):
            gen_member(session, organization, f"holder{n}@acme.test", at=at, on=at.date())
        for n in range(waiting):
            name = f"waiting{n}@acme.test"
            seen = at - timedelta(hours=waiting - n)
            record_refusal(
                session, organization, channel="sso", identity=name,
                identity_key=identity_key(name), at=seen,
            )  # fmt: skip


def seats_of(app):
    with app.app_context(), transaction() as session:
        contract = contract_of(session, get_organization(session, "acme").id)
        pending = session.scalars(
            select(SeatRequest.identity).where(SeatRequest.status == "pending")
        ).all()
        return contract.seats_used, contract.seats_purchased, sorted(pending)


def banner(page):
    match = re.search(r'<div class="banner" role="status">(.*?)</div>', page, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else None


def test_the_banner_offers_to_buy_the_seats_for_everyone_waiting_when_none_is_free(app, client):
    create_acme(app, seats=2)
    crowd(app, holding=2, waiting=3)
    sign_in(client)

    text = banner(client.get("/admin/acme/billing").text)

    assert text.startswith("3 people are waiting for a seat — add 3 seats for ")


def test_the_banner_offers_to_buy_only_the_seats_the_free_ones_do_not_cover(app, client):
    create_acme(app, seats=3)
    crowd(app, holding=2, waiting=3)
    sign_in(client)

    page = client.get("/admin/acme/billing").text

    assert banner(page).startswith(
        "3 people are waiting for a seat, 1 seat free — add 2 seats for "
    )
    assert "/billing/seats/review?seats=2" in page


def test_the_banner_offers_to_admit_when_free_seats_cover_everyone_waiting(app, client):
    create_acme(app, seats=7)
    crowd(app, holding=2, waiting=3)
    sign_in(client)

    text = banner(client.get("/admin/acme/billing").text)

    assert text == "3 people are waiting for a seat and 5 seats are free — admit them"


def test_edit_seats_is_prefilled_with_the_banners_number_and_keeps_a_typed_one(app, client):
    create_acme(app, seats=2)
    crowd(app, holding=2, waiting=3)
    sign_in(client)

    blank = client.get("/admin/acme/billing/seats").text
    typed = client.get("/admin/acme/billing/seats?seats=4").text
    refused = client.get("/admin/acme/billing/seats/review?seats=0", follow_redirects=True)

    assert re.search(r'id="seats"[^>]*value="3"', blank, re.S)
    assert re.search(r'id="seats"[^>]*value="4"', typed, re.S)
    assert refused.status_code == 400
    assert re.search(r'id="seats"[^>]*value="0"', refused.text, re.S)
    assert 'seats"' not in re.findall(r'value="[^"]*"', blank)[0]


def test_admit_all_admits_the_oldest_while_seats_are_free_and_stops_cleanly(app, client):
    create_acme(app, seats=4)
    crowd(app, holding=2, waiting=3)
    sign_in(client)
    page = client.get("/admin/acme/seat-requests").text
    assert ">Admit all</button>" in page and "2 seats are free." in page

    response = post_form(client, "/admin/acme/seat-requests", "/admin/acme/seat-requests/admit-all")

    assert response.status_code == 302
    after = client.get(response.location).text
    assert "Admitted 2; 1 still waiting. No seat available in" in after
    assert seats_of(app) == (4, 4, ["waiting2@acme.test"])
    assert ">Admit all</button>" not in after


def test_admit_all_admits_everyone_when_seats_cover_them(app, client):
    create_acme(app, seats=10)
    crowd(app, holding=0, waiting=3)
    sign_in(client)

    response = post_form(client, "/admin/acme/seat-requests", "/admin/acme/seat-requests/admit-all")

    assert "Admitted 3 people." in client.get(response.location).text
    assert seats_of(app) == (3, 10, [])
    assert banner(client.get("/admin/acme/billing").text) is None


def test_the_banner_and_edit_seats_price_seats_with_the_organizations_tax(app, client):
    create_acme(app, seats=2)
    crowd(app, holding=2, waiting=3)
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        set_tax_rate(session, organization, rate_bp=2000)
        quote = quote_purchase(session, organization, seats=3, on=today_for(organization.contract))
    sign_in(client)

    text = banner(client.get("/admin/acme/billing").text)
    edit = client.get("/admin/acme/billing/seats").text

    total = f"{quote.total_minor // 100:,}.{quote.total_minor % 100:02d} USD"
    assert quote.total_minor > quote.amount_minor
    assert text == f"3 people are waiting for a seat — add 3 seats for {total} with 20 % tax"
    assert 'data-testid="edit-tax">plus 20 % tax</span>' in edit


def test_admit_is_disabled_with_the_reason_when_no_seat_is_free(app, client):
    create_acme(app, seats=2)
    crowd(app, holding=2, waiting=1)
    sign_in(client)

    full = client.get("/admin/acme/seat-requests").text
    admit = re.search(r"<button[^>]*>Admit</button>", full).group(0)

    assert "disabled" in admit and 'aria-describedby="no-free-seat"' in admit
    assert "Every seat is in use: admitting someone needs a free seat." in full
    assert "Dismiss</button>" in full


def test_admit_is_enabled_while_a_seat_is_free(app, client):
    create_acme(app, seats=3)
    crowd(app, holding=2, waiting=1)
    sign_in(client)

    page = client.get("/admin/acme/seat-requests").text
    admit = re.search(r"<button[^>]*>Admit</button>", page).group(0)

    assert "disabled" not in admit and 'id="no-free-seat"' not in page
