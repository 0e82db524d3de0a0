"""The Activity page: owners' events with filters, key paging and a formula-escaped CSV."""

import csv
import io
from datetime import UTC, datetime, timedelta

from scim_gateway.db import transaction
from seat_core.events import Actor, record

from .conftest import OWNER, PRIMARY, sign_in


def log(app, acme, type_, subject, *, actor=None, at=None, data=None):
    with app.app_context(), transaction() as session:
        record(
            session,
            acme["id"],
            type_,
            at=at or datetime.now(UTC),
            subject=subject,
            data=data,
            actor=actor,
        )


def test_the_page_shows_the_owners_sign_in_and_is_linked_from_the_menu(app, client, acme):
    sign_in(client, PRIMARY, "wrong password")
    sign_in(client, OWNER)

    page = client.get("/admin/acme/activity")

    assert page.status_code == 200
    assert 'href="/admin/acme/activity" aria-current="page">Activity</a>' in page.text
    assert "owner.signed_in" in page.text and "owner.sign_in_failed" in page.text
    assert "wrong password" not in page.text


def test_filters_by_type_actor_and_date_keep_only_matching_events(app, client, acme):
    okta = Actor("scim_token", "3", "Okta")
    long_ago = datetime.now(UTC) - timedelta(days=30)
    log(app, acme, "member.created", "ann@okta.local", actor=okta)
    log(app, acme, "member.created", "old@okta.local", actor=okta, at=long_ago)
    log(app, acme, "seat.refused", "bob@okta.local", actor=okta)
    sign_in(client, OWNER)
    today = datetime.now(UTC).date().isoformat()

    by_type = client.get("/admin/acme/activity?type=member.created").text
    by_actor = client.get("/admin/acme/activity?actor=okta&type=seat.refused").text
    by_day = client.get(f"/admin/acme/activity?type=member.created&since={today}").text

    assert "ann@okta.local" in by_type and "old@okta.local" in by_type
    assert "bob@okta.local" not in by_type
    assert "bob@okta.local" in by_actor and "ann@okta.local" not in by_actor
    assert "ann@okta.local" in by_day and "old@okta.local" not in by_day


def test_a_bad_filter_is_a_400_page_saying_why(client, acme):
    sign_in(client, OWNER)

    page = client.get("/admin/acme/activity?since=yesterday")
    kind = client.get("/admin/acme/activity.csv?type=seat.stolen")

    assert page.status_code == 400 and "is not a date like" in page.text
    assert kind.status_code == 400 and "is not an event type" in kind.text


def test_key_paging_shows_each_event_once_newest_first(app, client, acme):
    for number in range(60):
        log(app, acme, "member.updated", f"user-{number:02d}")
    sign_in(client, OWNER)

    first = client.get("/admin/acme/activity?type=member.updated").text
    older = first.split('class="pager"><a href="')[1].split('"')[0].replace("&amp;", "&")
    second = client.get(older).text

    assert "user-59" in first and "user-10" in first and "user-09" not in first
    assert "user-09" in second and "user-00" in second and "user-10" not in second
    assert 'class="pager"' not in second


def test_the_csv_holds_the_filtered_events_with_formulas_escaped(app, client, acme):
    log(app, acme, "member.created", '=HYPERLINK("http://x.test")', data={"n": 1})
    log(app, acme, "seat.refused", "+bob@okta.local")
    sign_in(client, OWNER)

    response = client.get("/admin/acme/activity.csv?type=member.created")

    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert [(row["type"], row["subject"]) for row in rows] == [
        ("member.created", '\'=HYPERLINK("http://x.test")')
    ]
    assert rows[0]["data"] == '{"n": 1}'
    assert rows[0]["actor_type"] == "system"


def test_a_signed_out_visitor_is_sent_to_sign_in(client, acme):
    response = client.get("/admin/acme/activity.csv")

    assert response.status_code == 302 and "/admin/acme/login" in response.location
