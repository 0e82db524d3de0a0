"""The events API: owners read the log with a cursor; bad parameters are problems."""

import pytest

from .conftest import auth

EVENTS = "/api/v1/orgs/acme/events"


def scim_create(client, token, user_name):
    return client.post(
        "/scim/v2/Users",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": user_name,
            "active": True,
        },
        headers=auth(token, **{"Content-Type": "application/scim+json"}),
    )


def walk(client, token, **params):
    """Read every page; return the events and the last cursor."""
    seen, cursor = [], None
    while True:
        query = {**params, **({"after": cursor} if cursor else {})}
        response = client.get(EVENTS, query_string=query, headers=auth(token))
        assert response.status_code == 200, response.json
        if not response.json["data"]:
            return seen, response.json["next_cursor"]
        seen.extend(response.json["data"])
        cursor = response.json["next_cursor"]


def test_a_scim_create_and_a_purchase_are_read_back_with_their_actors(client, tokens):
    assert scim_create(client, tokens["scim"], "ann@okta.local").status_code == 201
    bought = client.post(
        "/api/v1/orgs/acme/seats/purchases",
        json={"seats": 2},
        headers=auth(tokens["primary"], **{"Idempotency-Key": "k1"}),
    )
    assert bought.status_code == 201

    events, _ = walk(client, tokens["owner"], limit=2)

    made = [(e["type"], e["actor"]["type"], e["actor"]["label"], e["subject"]) for e in events]
    assert [m for m in made if m[0] != "token.issued"] == [
        ("member.created", "scim_token", None, "ann@okta.local"),
        ("seat.taken", "scim_token", None, "ann@okta.local"),
        ("seats.purchased", "owner", "ann@acme.test", bought.json["number"]),
    ]
    purchase = events[-1]
    assert purchase["data"]["invoice_number"] == bought.json["number"]
    assert purchase["data"]["amount_minor"] == bought.json["total"]["minor"]
    assert purchase["occurred_at"].endswith("Z")
    assert len({e["id"] for e in events}) == len(events)


def test_a_type_filter_and_a_kept_cursor_return_only_new_events_of_that_type(client, tokens):
    scim_create(client, tokens["scim"], "ann@okta.local")
    taken, cursor = walk(client, tokens["owner"], type="seat.taken")
    scim_create(client, tokens["scim"], "bob@okta.local")

    more, _ = walk(client, tokens["owner"], type="seat.taken", after=cursor)
    both, _ = walk(client, tokens["owner"], type=["seat.taken", "member.created"])

    assert [e["subject"] for e in taken] == ["ann@okta.local"]
    assert [e["subject"] for e in more] == ["bob@okta.local"]
    assert [e["type"] for e in both] == ["member.created", "seat.taken"] * 2


@pytest.mark.parametrize(
    ("query", "detail"),
    [
        ({"after": "12"}, "after"),
        ({"after": "1-2-3"}, "after"),
        ({"limit": "0"}, "limit"),
        ({"limit": "1001"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"type": "seat.stolen"}, "seat.stolen"),
        ({"cursor": "1-1"}, "cursor"),
    ],
)
def test_bad_paging_or_types_are_answered_with_a_problem(client, tokens, query, detail):
    response = client.get(EVENTS, query_string=query, headers=auth(tokens["owner"]))

    assert response.status_code == 400
    assert response.content_type == "application/problem+json"
    assert detail in response.json["detail"]


def test_only_owners_tokens_read_the_log(client, tokens):
    assert client.get(EVENTS).status_code == 401
    assert client.get(EVENTS, headers=auth(tokens["product"])).status_code == 403
    assert client.get(EVENTS, headers=auth(tokens["scim"])).status_code == 401
