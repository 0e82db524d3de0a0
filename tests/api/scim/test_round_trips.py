"""On PostgreSQL a lookup, and a create unless its take must write more in a transaction,
is one statement in autocommit: a round trip. Nothing is half-written either way."""

from __future__ import annotations

from typing import Any

import psycopg
import pytest
from sqlalchemy import func, select

from scim_gateway.db import read_only, transaction
from seat_core import creates, set_alert_settings
from seat_core import db as seat_db
from seat_core.fastpath import at_once
from seat_core.models import Contract, Event, Member, Organization, Outbox, Seat, SeatRequest
from tests.conftest import POOLED_DATABASES, database_url_of
from tests.factories import AT

from .conftest import GROUP_SCHEMA, Scim, user

POSTGRESQL_DATABASES = [
    param for param in POOLED_DATABASES if getattr(param, "values", ("sqlite",))[0] != "sqlite"
]


@pytest.fixture(name="database_url", params=POSTGRESQL_DATABASES)
def postgresql_database_url(request: pytest.FixtureRequest) -> str:
    """PostgreSQL, straight and through PgBouncer: SQLite's statements are no round trips."""
    return database_url_of(request)


@pytest.fixture
def sent(scim: Scim, monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, bool]]:
    """Every statement the app sends from now on, and whether it went in autocommit."""
    # A connection is pinged only after sitting idle (seat_core/db.py), and the token is
    # read again after SCIM_TOKEN_CACHE_SECONDS: neither within a test, on a slow machine too.
    monkeypatch.setattr(seat_db, "PING_AFTER_IDLE_S", 60.0)
    scim.app.config["SCIM_TOKEN_CACHE_SECONDS"] = 600
    monkeypatch.setattr(creates, "_CROWDED", set())
    scim.get("/Users?count=1")  # the token, cached; a connection in the pool
    statements: list[tuple[str, bool]] = []
    execute = psycopg.Cursor.execute

    def counted(cursor: Any, query: Any, *args: Any, **options: Any) -> Any:
        statements.append((str(query), cursor.connection.autocommit))
        return execute(cursor, query, *args, **options)

    monkeypatch.setattr(psycopg.Cursor, "execute", counted)
    return statements


def counts(scim: Scim) -> tuple[int, int, int, int, int]:
    """Members, seats, seats in use, their events and usage alerts, read back."""
    with scim.app.app_context(), read_only() as session:
        return (
            session.scalar(select(func.count()).select_from(Member)) or 0,
            session.scalar(select(func.count()).select_from(Seat)) or 0,
            session.scalar(select(Contract.seats_used)) or 0,
            session.scalar(
                select(func.count()).where(Event.type.in_(("member.created", "seat.taken")))
            )
            or 0,
            session.scalar(
                select(func.count()).where(Outbox.event == "usage.threshold").select_from(Outbox)
            )
            or 0,
        )


def test_an_active_create_is_one_statement_in_autocommit(scim: Scim, sent) -> None:
    response = scim.post("/Users", user("ann@okta.local"))

    assert response.status_code == 201
    # No ping, no BEGIN, no COMMIT: the statement is a transaction by itself, sent as the
    # call of the function that holds it (whose plan the server keeps, pooled or not).
    [(query, autocommit)] = sent
    assert autocommit and f"FROM {at_once.TAKE_SEAT_ALONE_FUNCTION}(" in query
    # Read back: the member, its seat, the count and both events, all written.
    assert counts(scim) == (1, 1, 1, 2, 0)


def test_an_inactive_create_is_one_statement_in_autocommit(scim: Scim, sent) -> None:
    response = scim.post("/Users", user("off@okta.local", active=False))

    assert response.status_code == 201
    assert response.json["active"] is False
    [(query, autocommit)] = sent
    assert autocommit and "INSERT INTO member" in query and "INSERT INTO event" in query
    # Read back: the member and its member.created, no seat.
    assert counts(scim) == (1, 0, 0, 1, 0)
    with scim.app.app_context(), read_only() as session:
        created = session.scalars(select(Event).where(Event.type == "member.created")).one()
        member = session.scalars(select(Member)).one()
    assert created.data == {"member_id": member.id, "active": False, "source": "scim"}
    assert (created.subject, created.actor_type) == ("off@okta.local", "scim_token")


def test_a_create_that_reaches_a_threshold_writes_its_alert_in_one_transaction(
    scim: Scim, sent
) -> None:
    for index in range(7):
        assert scim.post("/Users", user(f"u{index}@okta.local")).status_code == 201
    assert all(autocommit for _, autocommit in sent)
    sent.clear()

    # The eighth of ten seats is 80 %: the alert goes with the take, so not in autocommit.
    assert scim.post("/Users", user("eighth@okta.local")).status_code == 201

    assert sent and not any(autocommit for _, autocommit in sent)
    assert counts(scim) == (8, 8, 8, 16, 1)
    # Known crowded now: the next create goes to a transaction at once, and fires 90 %.
    sent.clear()
    assert scim.post("/Users", user("ninth@okta.local")).status_code == 201
    assert not any(autocommit for _, autocommit in sent)
    assert counts(scim) == (9, 9, 9, 18, 2)


def test_a_create_refused_for_want_of_a_seat_writes_nothing_but_the_request(
    make_scim, monkeypatch: pytest.MonkeyPatch
) -> None:
    scim = make_scim("tiny", seats=1)
    monkeypatch.setattr(creates, "_CROWDED", set())
    with scim.app.app_context(), transaction() as session:
        # No thresholds: even the last seat is taken by the statement alone.
        organization = session.scalars(select(Organization)).one()
        set_alert_settings(session, organization, thresholds="", digest_minutes=0, at=AT)
    assert scim.post("/Users", user("first@okta.local")).status_code == 201
    assert not creates._CROWDED

    response = scim.post("/Users", user("second@okta.local"))

    assert response.status_code == 403
    assert response.json["scimType"] == "seatLimitReached"
    # The refused statement wrote nothing, not even the member; the refusal its request.
    assert counts(scim)[:3] == (1, 1, 1)
    with scim.app.app_context(), read_only() as session:
        requests = session.scalars(select(SeatRequest.identity)).all()
    assert requests == ["second@okta.local"]


def test_a_duplicate_user_name_is_a_conflict_and_changes_nothing(scim: Scim, sent) -> None:
    assert scim.post("/Users", user("dup@okta.local")).status_code == 201
    before = counts(scim)

    response = scim.post("/Users", user("DUP@okta.local"))

    assert response.status_code == 409
    assert response.json["scimType"] == "uniqueness"
    assert counts(scim) == before


def test_a_lookup_is_one_statement_in_autocommit(scim: Scim, sent) -> None:
    isaac = scim.create_user("isaac.brock@okta.local")
    for name in ("Sales", "Engineering"):
        body = {"schemas": [GROUP_SCHEMA], "displayName": name, "members": [{"value": isaac["id"]}]}
        assert scim.post("/Groups", body).status_code == 201
    sent.clear()

    response = scim.get("/Users", query_string={"filter": 'userName eq "isaac.brock@okta.local"'})

    assert response.status_code == 200
    [found] = response.json["Resources"]
    assert [group["display"] for group in found["groups"]] == ["Engineering", "Sales"]
    # The member and its groups by one statement, the call of the function that holds it;
    # no ping, no BEGIN and no COMMIT.
    [(query, autocommit)] = sent
    assert autocommit and "FROM member_by_user_name(" in query
