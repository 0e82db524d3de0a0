"""Billing settings: Edit seats, the review page, Update, and the invoice it issues."""

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from scim_gateway.clock import today_for
from scim_gateway.db import transaction
from seat_core import StaleQuote, contract_of, get_organization, purchase_seats, quote_purchase
from seat_core.models import Invoice

from .conftest import field


def review(client, seats, edit=None):
    """Open the review page for adding seats, as a new edit unless one is given."""
    url = f"/admin/acme/billing/seats/review?seats={seats}"
    return client.get(url + (f"&edit={edit}" if edit else ""), follow_redirects=True)


def update(client, page, **overrides):
    """Click Update on a review page."""
    form = {
        name: field(page.text, name) for name in ("csrf_token", "seats", "on", "purchase_token")
    }
    return client.post("/admin/acme/billing/seats", data={**form, **overrides})


def invoices_of(app):
    with app.app_context(), transaction() as session:
        return session.scalar(select(func.count()).select_from(Invoice))


def test_billing_settings_shows_the_seats_section_and_the_renewal(primary):
    page = primary.get("/admin/acme/billing").text

    assert "<h1>Billing settings</h1>" in page and ">Seats</h2>" in page
    assert 'data-testid="seats-purchased">10<' in page
    assert 'data-testid="seats-free">10<' in page
    assert "Would renew at" in page


def test_edit_seats_opens_the_seats_to_add_form(primary):
    page = primary.get("/admin/acme/billing/seats").text

    assert '<label for="seats">Seats to add</label>' in page
    assert ">Review</button>" in page


def test_the_review_shows_the_core_quote_for_today(primary, app):
    page = review(primary, 5)

    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        today = today_for(contract_of(session, organization.id))
        quote = quote_purchase(session, organization, seats=5, on=today)
    amount = re.search(r'data-testid="prorated-amount">([^<]+)<', page.text).group(1)
    assert page.status_code == 200
    assert amount == f"{quote.amount_minor // 100:,}.{quote.amount_minor % 100:02d} USD"
    assert 'data-testid="new-total">15 seats' in page.text
    assert 'data-testid="unit-price">360.00 USD' in page.text
    assert field(page.text, "on") == today.isoformat()
    assert ">Update</button>" in page.text


def test_update_buys_the_seats_and_shows_the_invoice(primary, app):
    page = review(primary, 5)

    response = update(primary, page)

    assert response.status_code == 302 and "/admin/acme/invoices/INV-" in response.location
    invoice = primary.get(response.location).text
    assert "5 seats added. Invoice INV-" in invoice
    assert 'data-testid="invoice-seats-after">15<' in invoice
    assert 'data-testid="seats-purchased">15<' in primary.get("/admin/acme/billing").text


def test_a_double_submit_or_reload_of_update_buys_once(primary, app):
    page = review(primary, 3)

    first = update(primary, page)
    second = update(primary, page)

    assert first.location == second.location
    assert "already bought" in primary.get(second.location).text
    assert invoices_of(app) == 1


def test_bad_quantities_are_refused_with_a_message_on_the_form(primary, app):
    cases = {
        "0": "Add at least 1 seat.",
        "-2": "Add at least 1 seat.",
        "abc": "is not a whole number of seats",
        "2.5": "is not a whole number of seats",
        "": "Enter the number of seats to add.",
        "10001": "At most 10,000 seats can be added at once.",
        "99999999999999": "is not a whole number of seats",
    }
    for text, message in cases.items():
        page = review(primary, text)

        assert page.status_code == 400, text
        assert message in page.text, text
        assert '<label for="seats">Seats to add</label>' in page.text
    assert invoices_of(app) == 0


def test_a_forged_quantity_on_update_is_refused(primary, app):
    page = review(primary, 2)

    response = update(primary, page, seats="0")

    assert "Add at least 1 seat." in primary.get(response.location).text
    assert invoices_of(app) == 0


def test_a_review_from_another_day_is_refused_and_nothing_is_bought(primary, app):
    page = review(primary, 2)
    yesterday = date.fromisoformat(field(page.text, "on")) - timedelta(days=1)

    response = update(primary, page, on=yesterday.isoformat())

    assert "/billing/seats/review?seats=2" in response.location
    after = primary.get(response.location, follow_redirects=True).text
    assert "the price changes with the date" in after
    assert invoices_of(app) == 0


def test_the_one_time_token_cannot_buy_a_different_quantity(primary, app):
    page = review(primary, 2)
    update(primary, page)

    response = update(primary, page, seats="7")

    assert "different purchase" in primary.get(response.location).text
    assert invoices_of(app) == 1


def test_an_update_without_csrf_buys_nothing(primary, app):
    page = review(primary, 2)

    response = update(primary, page, csrf_token="forged")

    assert response.status_code == 400
    assert invoices_of(app) == 0


def test_an_update_without_a_purchase_token_buys_nothing(primary, app):
    page = review(primary, 2)

    response = update(primary, page, purchase_token="")

    assert "purchase token" in primary.get(response.location).text
    assert invoices_of(app) == 0


def purchased(app):
    with app.app_context(), transaction() as session:
        return contract_of(session, get_organization(session, "acme").id).seats_purchased


def test_going_back_to_a_bought_review_and_updating_again_shows_its_invoice(primary, app):
    first_review = review(primary, 3)
    edit = re.search(r"edit=([\w-]+)", first_review.request.url).group(1)
    first = update(primary, first_review)

    back = review(primary, 3, edit=edit)
    again = update(primary, back)

    assert field(back.text, "purchase_token") == field(first_review.text, "purchase_token")
    assert 'data-testid="already-bought"' in back.text
    assert again.location == first.location
    assert "already bought" in primary.get(again.location).text
    assert invoices_of(app) == 1 and purchased(app) == 13


def test_a_new_edit_is_a_new_purchase(primary, app):
    update(primary, review(primary, 3))

    edit_page = primary.get("/admin/acme/billing/seats").text
    edit = field(edit_page, "edit")
    second = update(primary, review(primary, 3, edit=edit))

    assert "3 seats added." in primary.get(second.location).text
    assert invoices_of(app) == 2 and purchased(app) == 16


def test_the_review_and_edit_pages_are_not_kept_by_the_browser(primary):
    assert primary.get("/admin/acme/billing/seats").headers["Cache-Control"] == "no-store"
    assert review(primary, 2).headers["Cache-Control"] == "no-store"


def test_the_seat_core_refuses_a_stale_quote_and_replays_a_used_key(acme, app):
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        today = today_for(contract_of(session, organization.id))
        at = datetime.now(UTC)
        first = purchase_seats(
            session, organization, seats=1, on=today, quoted_on=today, at=at,
            idempotency_key="k-1",
        )  # fmt: skip
        replay = purchase_seats(
            session, organization, seats=1, on=today + timedelta(days=1), quoted_on=today,
            at=at, idempotency_key="k-1",
        )  # fmt: skip
        with pytest.raises(StaleQuote, match="the price changes with the date"):
            purchase_seats(
                session, organization, seats=1, on=today, quoted_on=today - timedelta(days=1),
                at=at, idempotency_key="k-2",
            )  # fmt: skip

    assert replay.replayed and replay.invoice.number == first.invoice.number
    assert invoices_of(app) == 1


def test_update_says_what_it_buys_and_offers_cancel(primary, app):
    page = review(primary, 5).text

    amount = re.search(r'data-testid="prorated-amount">([^<]+)<', page).group(1)
    effect = re.search(r'data-testid="update-effect">([^<]+)<', page).group(1)
    assert ">Update</button>" in page
    assert effect == f"Buys 5 seats now and issues an invoice for {amount}"
    assert re.search(r'<a href="/admin/acme/billing">Cancel</a>', page)


def test_the_review_reads_the_billed_months_as_months_and_days(primary, app):
    page = review(primary, 1).text

    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        quote = quote_purchase(
            session, organization, seats=1, on=today_for(contract_of(session, organization.id))
        )
    whole, share = divmod(quote.remaining_months, 1)
    days = share * quote.month_days
    billed = re.search(r'data-testid="remaining-months">([^<]+)<', page).group(1)
    expected = f"{whole} month" + ("s" if whole != 1 else "")
    if days:
        expected += f" and {days} day" + ("s" if days != 1 else "")
    assert billed.split(" of the")[0].strip() == expected
    assert "of the 12-month term" in billed
    assert "/" not in billed
