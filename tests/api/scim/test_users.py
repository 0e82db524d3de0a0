"""Users over SCIM: provisioning, seat gating, uniqueness, ETags, isolation."""

from __future__ import annotations

from collections.abc import Callable

from flask import Flask
from sqlalchemy import event, func, select

from scim_gateway.db import database, transaction
from seat_core import get_organization, usage
from seat_core.models import Member, Outbox, SeatRequest

from .conftest import SEAT_SCHEMA, Scim, user


def seats_in_use(app: Flask, slug: str) -> int:
    with app.app_context(), transaction() as session:
        return usage(session, get_organization(session, slug)).seats_in_use


def count(app: Flask, model: type, **where: object) -> int:
    with app.app_context(), transaction() as session:
        query = select(func.count()).select_from(model).filter_by(**where)
        return session.scalar(query) or 0


def test_creating_an_active_user_takes_a_seat(scim: Scim) -> None:
    response = scim.post("/Users", user("ann@acme.test", displayName="Ann"))

    assert response.status_code == 201
    assert response.content_type == "application/scim+json"
    assert response.json["active"] is True
    assert response.headers["ETag"] == response.json["meta"]["version"] == 'W/"1"'
    assert response.headers["Location"].endswith(f"/scim/v2/Users/{response.json['id']}")
    assert seats_in_use(scim.app, "acme") == 1


def test_the_seat_extension_tells_whether_a_user_holds_a_seat(scim: Scim) -> None:
    held = scim.create_user("ann")["id"]
    free = scim.create_user("bob", active=False)["id"]

    asked = {"attributes": f"userName,{SEAT_SCHEMA}"}
    ann = scim.get(f"/Users/{held}", query_string=asked).json
    bob = scim.get(f"/Users/{free}", query_string=asked).json

    assert ann[SEAT_SCHEMA]["holdsSeat"] is True
    assert "seatTakenAt" in ann[SEAT_SCHEMA]
    assert bob[SEAT_SCHEMA]["holdsSeat"] is False
    assert scim.get("/Users", query_string={"filter": "active eq true"}).json["totalResults"] == 1


def test_refuses_a_user_when_every_seat_is_taken_and_remembers_the_request(
    make_scim: Callable[..., Scim],
) -> None:
    scim = make_scim("tiny", seats=1)
    scim.create_user("ann")

    response = scim.post("/Users", user("bob@tiny.test", displayName="Bob"))

    assert response.status_code == 403
    assert response.content_type == "application/scim+json"
    assert response.json["scimType"] == "seatLimitReached"
    assert response.json["status"] == "403"
    assert response.json["detail"] == (
        "No seat available in Tiny: 1 of 1 seats in use. A Primary Owner must add seats."
    )
    assert count(scim.app, Member) == 1
    assert seats_in_use(scim.app, "tiny") == 1
    assert count(scim.app, SeatRequest, identity="bob@tiny.test", channel="scim") == 1
    assert count(scim.app, Outbox, event="seat.refused") >= 1


def test_a_retried_create_of_an_existing_user_is_a_conflict_even_without_seats(
    make_scim: Callable[..., Scim],
) -> None:
    scim = make_scim("tiny", seats=1)
    scim.create_user("Ann")

    response = scim.post("/Users", user("ann"))

    assert response.status_code == 409
    assert response.json["scimType"] == "uniqueness"
    # Told by the UNIQUE index, which the member's INSERT meets before any seat is taken.
    assert response.json["detail"] == "A user with userName 'ann' exists."
    assert count(scim.app, SeatRequest) == 0
    assert count(scim.app, Member) == 1


def test_refuses_a_user_name_with_an_invisible_character(scim: Scim) -> None:
    scim.create_user("ann")

    response = scim.post("/Users", user("an\u200bn"))

    assert response.status_code == 400
    assert response.json["scimType"] == "invalidValue"
    assert "U+200B" in response.json["detail"]


def test_user_names_compare_by_nfkc_and_case_folding(scim: Scim) -> None:
    scim.create_user("Straße")

    response = scim.post("/Users", user("STRASSE"))

    assert response.status_code == 409


def test_deactivating_frees_the_seat_and_the_user_stays_readable(scim: Scim) -> None:
    created = scim.create_user("ann")

    response = scim.patch(
        f"/Users/{created['id']}", [{"op": "Replace", "path": "active", "value": "False"}]
    )

    assert response.status_code == 200
    assert response.json["active"] is False
    assert seats_in_use(scim.app, "acme") == 0
    assert scim.get(f"/Users/{created['id']}").json["active"] is False


def test_reactivating_takes_a_seat_and_is_refused_when_none_is_free(
    make_scim: Callable[..., Scim],
) -> None:
    scim = make_scim("tiny", seats=1)
    ann = scim.create_user("ann")
    bob = scim.create_user("bob", active=False)

    refused = scim.patch(f"/Users/{bob['id']}", [{"op": "replace", "value": {"active": True}}])
    scim.patch(f"/Users/{ann['id']}", [{"op": "replace", "value": {"active": False}}])
    admitted = scim.put(f"/Users/{bob['id']}", user("bob", active="True"))

    assert refused.status_code == 403
    assert refused.json["scimType"] == "seatLimitReached"
    assert admitted.status_code == 200
    assert admitted.json["active"] is True
    assert seats_in_use(scim.app, "tiny") == 1
    assert count(scim.app, SeatRequest, identity="bob", status="admitted") == 1


def test_deleting_frees_the_seat_at_once(scim: Scim) -> None:
    created = scim.create_user("ann")

    response = scim.delete(f"/Users/{created['id']}")

    assert response.status_code == 204
    assert seats_in_use(scim.app, "acme") == 0
    assert scim.get(f"/Users/{created['id']}").status_code == 404


def test_a_stale_if_match_is_refused_and_a_current_one_accepted(scim: Scim) -> None:
    created = scim.create_user("ann")
    path = f"/Users/{created['id']}"
    scim.patch(path, [{"op": "replace", "path": "displayName", "value": "Ann"}])

    stale = scim.patch(
        path, [{"op": "replace", "path": "title", "value": "x"}], headers={"If-Match": 'W/"1"'}
    )
    current = scim.patch(
        path, [{"op": "replace", "path": "title", "value": "x"}], headers={"If-Match": 'W/"2"'}
    )
    unchanged = scim.get(path, headers={"If-None-Match": 'W/"3"'})

    assert stale.status_code == 412
    assert current.status_code == 200
    assert current.json["meta"]["version"] == 'W/"3"'
    assert unchanged.status_code == 304


def test_a_token_never_reaches_another_organizations_users(
    make_scim: Callable[..., Scim],
) -> None:
    acme = make_scim("acme")
    other = make_scim("other")
    ann = acme.create_user("ann")

    assert other.get(f"/Users/{ann['id']}").status_code == 404
    assert (
        other.patch(f"/Users/{ann['id']}", [{"op": "remove", "path": "title"}]).status_code == 404
    )
    assert other.delete(f"/Users/{ann['id']}").status_code == 404
    assert other.get("/Users").json["totalResults"] == 0
    assert other.post("/Users", user("ann")).status_code == 201


def test_read_only_and_immutable_writes_are_refused(scim: Scim) -> None:
    created = scim.create_user("ann")

    response = scim.patch(
        f"/Users/{created['id']}", [{"op": "replace", "path": "id", "value": "x"}]
    )

    assert response.status_code == 400
    assert response.json["scimType"] == "mutability"


def test_a_patch_without_path_applies_its_value_object(scim: Scim) -> None:
    created = scim.create_user("ann")

    response = scim.patch(
        f"/Users/{created['id']}",
        [{"op": "Replace", "value": {"displayName": "Ann A.", "name.givenName": "Ann"}}],
    )

    assert response.status_code == 200
    assert response.json["displayName"] == "Ann A."
    assert response.json["name"]["givenName"] == "Ann"


def test_requests_that_succeed_never_roll_back(scim: Scim) -> None:
    # Reads end in COMMIT: on PostgreSQL a ROLLBACK makes psycopg drop every statement it
    # prepared on the connection, and then none would ever be prepared.
    rollbacks: list[object] = []
    created = scim.create_user("ann@acme.test")
    with scim.app.app_context():
        engine = database().engine
    record = rollbacks.append
    event.listen(engine, "rollback", record)
    try:
        for number in range(3):
            assert scim.get(f"/Users/{created['id']}").status_code == 200
            assert scim.get('/Users?filter=userName eq "ann@acme.test"').status_code == 200
            scim.create_user(f"user{number}@acme.test")
    finally:
        event.remove(engine, "rollback", record)
    assert rollbacks == []
