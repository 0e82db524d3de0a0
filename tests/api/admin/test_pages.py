"""Invoices, members, seat requests, the waiting banner and the usage chart."""

import csv
import io
import re
from datetime import UTC, datetime

from sqlalchemy import select

from scim_gateway.db import transaction
from seat_core import (
    alert_settings_of,
    get_organization,
    identity_key,
    purchase_seats,
    record_refusal,
)
from seat_core.models import Contract, Member, SeatRequest
from tests.factories import gen_member

from .conftest import post_form


def now():
    return datetime.now(UTC)


def buy(app, seats):
    """Buy seats through the core, as of today; return the invoice number."""
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        return purchase_seats(
            session, organization, seats=seats, on=now().date(), at=now()
        ).invoice.number


def add_members(app, *names, active=True, source="scim"):
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        return [
            gen_member(session, organization, name, active=active, source=source, at=now()).id
            for name in names
        ]


def refuse(app, identity, *, channel="sso", member_id=None, times=1):
    for _ in range(times):
        with app.app_context(), transaction() as session:
            record_refusal(
                session,
                get_organization(session, "acme"),
                channel=channel,
                identity=identity,
                identity_key=identity_key(identity),
                at=now(),
                email=identity,
                member_id=member_id,
            )


def seats_used(app):
    with app.app_context(), transaction() as session:
        return session.scalar(select(Contract.seats_used))


def test_invoices_list_detail_print_and_csv(primary, app):
    number = buy(app, 4)

    listing = primary.get("/admin/acme/invoices").text
    detail = primary.get(f"/admin/acme/invoices/{number}").text
    printable = primary.get(f"/admin/acme/invoices/{number}/print")
    download = primary.get(f"/admin/acme/invoices/{number}.csv")

    assert number in listing and "Seats added" in listing
    assert f"Invoice {number}" in detail and "4 seats added, prorated" in detail
    assert "Total" in detail and "Unit price / year" in detail
    assert printable.status_code == 200 and "window.print()" in printable.text
    assert download.mimetype == "text/csv"
    assert f'filename="{number}.csv"' in download.headers["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert rows[0]["seats"] == "4" and rows[0]["unit_price"] == "360.00"
    assert rows[-1]["description"] == "Total" and rows[-1]["amount"] == rows[0]["amount"]


def test_an_unknown_invoice_is_not_found(primary):
    assert primary.get("/admin/acme/invoices/INV-999999").status_code == 404


def test_members_show_seat_status_and_source(primary, app):
    add_members(app, "alice@acme.test")
    add_members(app, "zed@acme.test", active=False, source="sso")

    page = primary.get("/admin/acme/members").text

    assert "alice@acme.test" in page and "Holds a seat" in page and "SCIM" in page
    assert "zed@acme.test" in page and "No seat" in page and "SSO" in page


def test_members_search_matches_names_and_emails(primary, app):
    add_members(app, "alice@acme.test", "bruno@acme.test", "carla@acme.test")

    page = primary.get("/admin/acme/members?q=BRU").text

    assert "bruno@acme.test" in page
    assert "alice@acme.test" not in page and "carla@acme.test" not in page


def test_members_page_forward_and_back_by_key(primary, app):
    names = [f"user{i:03d}@acme.test" for i in range(60)]
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        for name in names:
            gen_member(session, organization, name, active=False, at=now())

    first = primary.get("/admin/acme/members").text
    second = primary.get("/admin/acme/members?after=user049%40acme.test").text
    back = primary.get("/admin/acme/members?before=user050%40acme.test").text

    assert "user000@acme.test" in first and "user049@acme.test" in first
    assert "user050@acme.test" not in first and "Next →" in first
    assert "user050@acme.test" in second and "user059@acme.test" in second
    assert "Next →" not in second and "← Previous" in second
    assert "user000@acme.test" in back and "user049@acme.test" in back


def members_listed(page):
    """Return the user names of a members page, in the order it lists them."""
    return re.findall(r"<strong>([^<]+)</strong>", page.split("<tbody>", 1)[1])


def test_members_are_listed_with_numbers_in_numeric_order_across_pages(primary, app):
    names = [f"User {i}" for i in range(1, 61)] + ["User 007", "user 3b"]
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        for name in reversed(names):
            gen_member(session, organization, name, active=False, at=now())

    first = members_listed(primary.get("/admin/acme/members").text)
    second = members_listed(primary.get("/admin/acme/members?after=user+48").text)
    back = members_listed(primary.get("/admin/acme/members?before=user+49").text)

    assert first[:5] == ["User 1", "User 2", "User 3", "user 3b", "User 4"]
    assert first[5:9] == ["User 5", "User 6", "User 007", "User 7"]
    assert first[-1] == "User 48" and len(first) == 50
    assert second == [f"User {i}" for i in range(49, 61)]
    assert back == first


def test_unassigning_frees_the_seat_and_warns_about_the_idp(primary, app):
    (member_id,) = add_members(app, "alice@acme.test")

    response = post_form(
        primary, "/admin/acme/members", f"/admin/acme/members/{member_id}/unassign"
    )

    assert seats_used(app) == 0
    message = primary.get(response.location).text
    assert "Seat freed" in message and "identity provider" in message
    with app.app_context(), transaction() as session:
        assert session.get(Member, member_id).active is False


def test_assigning_takes_a_seat_and_is_refused_when_none_is_free(client, app):
    from .conftest import create_acme, sign_in

    create_acme(app, seats=1)
    sign_in(client)
    waiting, late = add_members(app, "alice@acme.test", "bob@acme.test", active=False)

    ok = post_form(client, "/admin/acme/members", f"/admin/acme/members/{waiting}/assign")
    assigned = client.get(ok.location).text
    refused = post_form(client, "/admin/acme/members", f"/admin/acme/members/{late}/assign")

    assert "Seat assigned" in assigned
    assert "No seat available in Acme: 1 of 1 seats in use" in client.get(refused.location).text
    assert seats_used(app) == 1


def test_the_banner_counts_waiting_people_and_offers_to_admit_them_into_free_seats(primary, app):
    refuse(app, "x@acme.test")
    refuse(app, "y@acme.test", times=3)

    page = primary.get("/admin/acme/invoices").text

    # acme has 10 free seats: nothing needs buying (test_waiting_banner.py prices the rest).
    assert "2 people are waiting for a seat and 10 seats are free — admit them" in page
    assert "/admin/acme/billing/seats/review" not in page


def test_seat_requests_list_channel_attempts_and_last_attempt(primary, app):
    refuse(app, "y@acme.test", channel="scim", times=3)

    page = primary.get("/admin/acme/seat-requests").text

    assert "y@acme.test" in page and "SCIM" in page
    assert '<td class="num" data-label="Attempts">3</td>' in page and "Admit" in page


def test_admitting_a_request_without_a_member_creates_one_with_a_seat(primary, app):
    refuse(app, "newbie@acme.test")
    with app.app_context(), transaction() as session:
        request_id = session.scalar(select(SeatRequest.id))

    response = post_form(
        primary, "/admin/acme/seat-requests", f"/admin/acme/seat-requests/{request_id}/admit"
    )

    assert "now holds a seat" in primary.get(response.location).text
    with app.app_context(), transaction() as session:
        member = session.scalars(select(Member)).one()
        assert (member.user_name, member.source, member.active) == (
            "newbie@acme.test",
            "admin",
            True,
        )
        assert session.get(SeatRequest, request_id).status == "admitted"
    assert seats_used(app) == 1


def test_admitting_a_request_for_an_existing_member_takes_its_seat(primary, app):
    (member_id,) = add_members(app, "known@acme.test", active=False)
    refuse(app, "known@acme.test", member_id=member_id)
    with app.app_context(), transaction() as session:
        request_id = session.scalar(select(SeatRequest.id))

    post_form(primary, "/admin/acme/seat-requests", f"/admin/acme/seat-requests/{request_id}/admit")

    with app.app_context(), transaction() as session:
        assert session.scalars(select(Member)).one().active is True
    assert seats_used(app) == 1


def test_dismissing_a_request_removes_the_banner(primary, app):
    refuse(app, "x@acme.test")
    with app.app_context(), transaction() as session:
        request_id = session.scalar(select(SeatRequest.id))

    post_form(
        primary, "/admin/acme/seat-requests", f"/admin/acme/seat-requests/{request_id}/dismiss"
    )

    assert "people are waiting" not in primary.get("/admin/acme/billing").text
    assert "1 person is waiting" not in primary.get("/admin/acme/billing").text


def test_the_usage_page_draws_seats_in_use_and_purchased(primary, app):
    add_members(app, "alice@acme.test", "bob@acme.test")
    buy(app, 5)

    page = primary.get("/admin/acme/usage").text

    assert "<svg" in page and 'role="img"' in page
    assert "now 2 in use of 15" in page


def test_unassign_asks_first_and_frees_the_seat_only_when_confirmed(primary, app):
    (member_id,) = add_members(app, "alice@acme.test")
    listing = primary.get("/admin/acme/members").text

    confirm = primary.get(f"/admin/acme/members/{member_id}/unassign?back=/admin/acme/members")

    assert f'action="/admin/acme/members/{member_id}/unassign"' not in listing
    assert f"/admin/acme/members/{member_id}/unassign?back=" in listing
    assert confirm.status_code == 200
    assert "Unassign alice@acme.test's seat?" in confirm.text
    assert f'action="/admin/acme/members/{member_id}/unassign"' in confirm.text
    assert 'href="/admin/acme/members">Cancel</a>' in confirm.text
    assert seats_used(app) == 1


def test_the_unassign_confirmation_of_a_member_without_a_seat_goes_back_with_a_note(primary, app):
    (member_id,) = add_members(app, "zed@acme.test", active=False)

    response = primary.get(f"/admin/acme/members/{member_id}/unassign")

    assert response.status_code == 302
    assert "zed@acme.test holds no seat." in primary.get(response.location).text


def test_the_unassign_confirmation_of_an_unknown_member_is_not_found(primary):
    response = primary.get("/admin/acme/members/no-such-member/unassign")

    assert response.status_code == 404
    assert "No such member." in response.text


def test_the_unassign_confirmation_goes_back_only_to_the_members_list(primary, app):
    (member_id,) = add_members(app, "alice@acme.test")

    page = primary.get(f"/admin/acme/members/{member_id}/unassign?back=https://evil.test/").text

    assert "evil.test" not in page
    assert 'href="/admin/acme/members">Cancel</a>' in page


def test_the_bare_address_leads_to_a_landing_page_with_scim_sign_in_and_docs(client):
    response = client.get("/")
    landing = client.get(response.location)

    assert response.status_code == 302 and response.location.endswith("/welcome")
    assert landing.status_code == 200
    assert "http://127.0.0.1:8000/scim/v2" in landing.text
    assert 'action="/sign-in"' in landing.text
    assert 'href="/api/v1/openapi.json"' in landing.text
    assert 'href="/scim/v2/ServiceProviderConfig"' in landing.text


def test_the_landing_page_sends_an_owner_to_their_organizations_sign_in(client):
    response = client.get("/sign-in?org=Acme")

    assert response.status_code == 302
    assert response.location.endswith("/admin/acme/login")


def test_the_landing_page_refuses_a_short_name_that_cannot_be_an_organization(client):
    empty = client.get("/sign-in?org=")
    bad = client.get("/sign-in?org=../etc")

    assert empty.status_code == 400 and "Enter your organization" in empty.text
    assert bad.status_code == 400 and "only lower-case letters, digits and dashes" in bad.text


def test_the_demo_landing_page_offers_the_demo_organization(app, client):
    app.config["DEMO_ORGANIZATION"] = "demo"

    page = client.get("/welcome").text

    assert 'data-testid="demo-organization"' in page
    assert 'href="/admin/demo/login"' in page and 'name="org"' in page
    assert re.search(r'<input id="org" name="org"[^>]*value="demo"', page)


def test_a_landing_page_outside_the_demo_names_no_organization(client):
    page = client.get("/welcome").text

    assert "demo-organization" not in page and "acme" not in page
    assert re.search(r'<input id="org" name="org"[^>]*value=""', page)


def test_the_favicon_is_served_and_linked_from_the_pages(client, acme):
    with client.get("/favicon.ico") as icon:
        status, mimetype, data = icon.status_code, icon.mimetype, icon.data
    sign_in_page = client.get("/admin/acme/login").text

    assert status == 200 and mimetype == "image/svg+xml" and b"<svg" in data
    assert 'rel="icon" href="/static/favicon.svg"' in sign_in_page


def test_alert_thresholds_are_number_fields_one_per_threshold_and_two_to_add(primary):
    page = primary.get("/admin/acme/alerts").text

    fields = re.findall(r'<input id="threshold-\d+" name="thresholds" type="number"[^>]*>', page)

    assert len(fields) == 5
    assert [re.search(r'value="([^"]*)"', field)[1] for field in fields] == [
        "80",
        "90",
        "100",
        "",
        "",
    ]
    assert all('min="1" max="100" step="1"' in field for field in fields)


def test_alert_thresholds_are_saved_from_the_number_fields_skipping_empty_ones(primary, app):
    response = post_form(
        primary,
        "/admin/acme/alerts",
        "/admin/acme/alerts/settings",
        thresholds=["95", "", "75", ""],
        digest_minutes="15",
    )

    assert response.status_code == 302
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        assert alert_settings_of(session, organization.id).thresholds == (75, 95)
