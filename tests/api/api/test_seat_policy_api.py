"""GET and PUT /api/v1/orgs/<org>/seat-policy: read and replace the policy, owners only."""

from scim_gateway.db import transaction
from seat_core import get_organization, policy_of

from .conftest import auth

URL = "/api/v1/orgs/acme/seat-policy"
POLICY = {
    "licensed_groups": ["Engineering", "Support"],
    "reclaim_after_days": 60,
    "exempt_groups": ["Executives"],
}


def stored(app):
    with app.app_context(), transaction() as session:
        return policy_of(session, get_organization(session, "acme").id).as_json()


def test_the_policy_is_off_until_the_primary_owner_puts_one(client, app, tokens):
    before = client.get(URL, headers=auth(tokens["owner"]))
    put = client.put(URL, json=POLICY, headers=auth(tokens["primary"]))
    after = client.get(URL, headers=auth(tokens["owner"]))

    assert before.status_code == 200
    assert before.json == {"licensed_groups": [], "reclaim_after_days": None, "exempt_groups": []}
    assert put.status_code == 200 and put.json == POLICY
    assert after.json == POLICY
    assert stored(app) == POLICY


def test_a_put_with_nones_turns_every_part_off(client, app, tokens):
    client.put(URL, json=POLICY, headers=auth(tokens["primary"]))

    off = {"licensed_groups": [], "reclaim_after_days": None, "exempt_groups": []}
    response = client.put(URL, json=off, headers=auth(tokens["primary"]))

    assert response.status_code == 200
    assert stored(app) == off


def test_an_owner_who_is_not_primary_cannot_change_it(client, app, tokens):
    response = client.put(URL, json=POLICY, headers=auth(tokens["owner"]))

    assert response.status_code == 403
    assert response.content_type == "application/problem+json"
    assert stored(app)["licensed_groups"] == []


def test_bad_policies_are_problems_and_change_nothing(client, app, tokens):
    answers = [
        client.put(URL, json={**POLICY, "reclaim_after_days": 7}, headers=auth(tokens["primary"])),
        client.put(URL, json={**POLICY, "licensed": []}, headers=auth(tokens["primary"])),
        client.put(URL, json={"licensed_groups": []}, headers=auth(tokens["primary"])),
        client.put(URL, json=[], headers=auth(tokens["primary"])),
        client.put(
            URL, json={**POLICY, "exempt_groups": [" padded"]}, headers=auth(tokens["primary"])
        ),
    ]

    assert [answer.status_code for answer in answers] == [422, 400, 422, 400, 422]
    assert "between 14 and 3650, not 7" in answers[0].json["detail"]
    assert "Unknown fields: licensed" in answers[1].json["detail"]
    assert "reclaim_after_days, exempt_groups" in answers[2].json["detail"]
    assert all(a.content_type == "application/problem+json" for a in answers)
    assert stored(app)["licensed_groups"] == []
