"""Licensed groups on the owners' pages: no seat by hand outside them, releases confirmed."""

import html
from datetime import UTC, datetime

from sqlalchemy import func, select

from scim_gateway.db import transaction
from seat_core import (
    get_organization,
    identity_key,
    policy_of,
    record_refusal,
    set_group_members,
    set_policy,
)
from seat_core.models import Contract, Event, Seat, SeatRequest
from tests.factories import gen_group, gen_member, seat_holders

from .conftest import csrf, post_form

BILLING = "/admin/acme/billing"
REQUESTS = "/admin/acme/seat-requests"


def now():
    return datetime.now(UTC)


def members(app, *, licensed, active):
    """Create ann (Engineering) and bob (Sales), with or without seats; return their ids."""
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        ann = gen_member(session, organization, "ann@acme.test", active=active, at=now())
        bob = gen_member(session, organization, "bob@acme.test", active=active, at=now())
        if licensed:
            set_policy(session, organization.id, at=now(), licensed_groups=licensed)
        for name, member in (("Engineering", ann), ("Sales", bob)):
            set_group_members(
                session, gen_group(session, organization, name), [member.id], at=now()
            )
        return ann.id, bob.id


def refuse(app, identity, member_id=None):
    with app.app_context(), transaction() as session:
        return record_refusal(
            session,
            get_organization(session, "acme"),
            channel="sso",
            identity=identity,
            identity_key=identity_key(identity),
            at=now(),
            email=identity,
            member_id=member_id,
        ).id


def seats(app):
    """Return (seats in use, seat rows, holders) read from the database."""
    with app.app_context(), transaction() as session:
        rows = session.scalar(select(func.count()).select_from(Seat))
        return session.scalar(select(Contract.seats_used)), rows, seat_holders(session)


def statuses(app):
    with app.app_context(), transaction() as session:
        return dict(session.execute(select(SeatRequest.identity, SeatRequest.status)).all())


REFUSAL = (
    "bob@acme.test is in none of the licensed groups (Engineering, Support): only their "
    "members may hold a seat. Add them to one in your identity provider."
)


def test_assigning_outside_the_licensed_groups_is_refused_naming_them(primary, app):
    ann, bob = members(app, licensed=["Engineering", "Support"], active=False)

    refused = post_form(primary, "/admin/acme/members", f"/admin/acme/members/{bob}/assign")
    message = html.unescape(primary.get(refused.location).text)
    assigned = post_form(primary, "/admin/acme/members", f"/admin/acme/members/{ann}/assign")

    assert refused.status_code == 302 and REFUSAL in message
    assert "Seat assigned: ann@acme.test" in primary.get(assigned.location).text
    assert seats(app) == (1, 1, ["ann@acme.test"])


def test_admitting_a_request_outside_the_licensed_groups_is_refused(primary, app):
    _ann, bob = members(app, licensed=["Engineering", "Support"], active=False)
    request_id = refuse(app, "bob@acme.test", member_id=bob)

    refused = post_form(primary, REQUESTS, f"{REQUESTS}/{request_id}/admit")

    assert refused.location.endswith(REQUESTS)
    assert REFUSAL in html.unescape(primary.get(refused.location).text)
    assert seats(app) == (0, 0, [])
    assert statuses(app) == {"bob@acme.test": "pending"}


def test_admit_all_skips_and_reports_people_outside_the_licensed_groups(primary, app):
    ann, bob = members(app, licensed=["Engineering"], active=False)
    refuse(app, "bob@acme.test", member_id=bob)
    refuse(app, "ann@acme.test", member_id=ann)

    done = post_form(primary, REQUESTS, f"{REQUESTS}/admit-all")
    page = html.unescape(primary.get(done.location).text)

    assert (
        "Skipped 1 person in none of the licensed groups: bob@acme.test. They stay waiting." in page
    )
    assert "Admitted 1 person." in page
    assert seats(app) == (1, 1, ["ann@acme.test"])
    assert statuses(app) == {"bob@acme.test": "pending", "ann@acme.test": "admitted"}


def policy_events(app):
    with app.app_context(), transaction() as session:
        return session.scalar(
            select(func.count()).select_from(Event).where(Event.type == "policy.changed")
        )


def test_the_policy_form_asks_before_releasing_seats_and_names_who(primary, app):
    members(app, licensed=None, active=True)
    form = {
        "licensed_groups": "Engineering\nSupport",
        "reclaim_after_days": "",
        "exempt_groups": "",
    }

    asked = post_form(primary, BILLING, f"{BILLING}/policy", **form)
    page = html.unescape(asked.text)
    with app.app_context(), transaction() as session:
        unsaved = policy_of(session, get_organization(session, "acme").id).licensed_groups
    before = seats(app), policy_events(app)
    confirmed = primary.post(
        f"{BILLING}/policy",
        data={"csrf_token": csrf(asked.text), **form, "confirm_releases": "yes"},
    )

    assert asked.status_code == 200 and "Release 1 seat?" in page
    assert (
        "1 seat holder in none of the licensed groups would lose their seat: bob@acme.test." in page
    )
    assert 'name="confirm_releases" value="yes"' in page
    assert 'name="licensed_groups" value="Engineering\nSupport"' in page
    assert unsaved == []
    assert before == ((2, 2, ["ann@acme.test", "bob@acme.test"]), 0)
    assert confirmed.status_code == 302
    assert "1 member gave up their seat" in primary.get(confirmed.location).text
    assert seats(app) == (1, 1, ["ann@acme.test"])
    assert policy_events(app) == 1
