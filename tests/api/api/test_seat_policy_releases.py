"""PUT seat-policy: licensed groups that would release seats need "confirm_releases": true."""

from datetime import UTC, datetime

from sqlalchemy import func, select

from scim_gateway.db import transaction
from seat_core import get_organization, policy_of, set_group_members
from seat_core.models import Contract, Event, Seat
from tests.factories import gen_group, gen_member, seat_holders

from .conftest import auth

URL = "/api/v1/orgs/acme/seat-policy"
POLICY = {"licensed_groups": ["Engineering"], "reclaim_after_days": None, "exempt_groups": []}


def add_holders(app):
    """Give ann (in Engineering), bob and cy seats."""
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        organization = get_organization(session, "acme")
        ids = [gen_member(session, organization, name, at=at).id for name in ("ann", "bob", "cy")]
        set_group_members(session, gen_group(session, organization, "Engineering"), ids[:1], at=at)


def state(app):
    """Return (licensed groups, seats in use, seat rows, holders, policy.changed events)."""
    with app.app_context(), transaction() as session:
        return (
            policy_of(session, get_organization(session, "acme").id).licensed_groups,
            session.scalar(select(Contract.seats_used)),
            session.scalar(select(func.count()).select_from(Seat)),
            seat_holders(session),
            session.scalar(
                select(func.count()).select_from(Event).where(Event.type == "policy.changed")
            ),
        )


def test_a_change_that_would_release_seats_is_a_409_listing_them_and_changes_nothing(
    client, app, tokens
):
    add_holders(app)

    refused = client.put(URL, json=POLICY, headers=auth(tokens["primary"]))
    declined = client.put(
        URL, json={**POLICY, "confirm_releases": False}, headers=auth(tokens["primary"])
    )

    for response in (refused, declined):
        assert response.status_code == 409
        assert response.content_type == "application/problem+json"
        assert response.json["seats_to_release"] == 2
        assert response.json["members"] == ["bob", "cy"]
        assert response.json["detail"] == (
            "2 seat holders in none of the licensed groups would lose their seat: bob, cy. "
            'Send "confirm_releases": true to release them.'
        )
    assert state(app) == ([], 3, 3, ["ann", "bob", "cy"], 0)


def test_confirmed_releases_are_made_and_logged(client, app, tokens):
    add_holders(app)

    confirmed = client.put(
        URL, json={**POLICY, "confirm_releases": True}, headers=auth(tokens["primary"])
    )

    assert confirmed.status_code == 200 and confirmed.json == POLICY
    assert state(app) == (["Engineering"], 1, 1, ["ann"], 1)


def test_confirm_releases_must_be_a_boolean(client, app, tokens):
    add_holders(app)

    response = client.put(
        URL, json={**POLICY, "confirm_releases": "yes"}, headers=auth(tokens["primary"])
    )

    assert response.status_code == 422
    assert response.json["detail"] == "confirm_releases must be true or false."
    assert state(app) == ([], 3, 3, ["ann", "bob", "cy"], 0)
