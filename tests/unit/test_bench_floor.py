"""The bench's durable floor writes what a gateway create writes and finds what a lookup
finds, on each database, or it measures errors."""

from __future__ import annotations

from datetime import UTC, date, datetime
from urllib.parse import quote

import pytest
from sqlalchemy import func, select

from seat_core import make_engine, make_sessionmaker
from seat_core.models import Event, Member, Seat
from tests.factories import gen_organization

USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "userName": "User10@acme.test",
    "active": True,
}


@pytest.fixture
def floor(database_url, monkeypatch):
    """The floor app on the test's database, for a new organization of 5 seats."""
    engine = make_engine(database_url)
    sessions = make_sessionmaker(engine)
    today = datetime.now(UTC).date()
    with sessions.begin() as session:
        organization = gen_organization(session, start=date(today.year, 1, 1), seats=5)
        organization_id = organization.id
    monkeypatch.setenv("BENCH_FLOOR_DATABASE", database_url)
    monkeypatch.setenv("BENCH_FLOOR_ORGANIZATION", str(organization_id))
    monkeypatch.setenv("BENCH_FLOOR_STATEMENTS", "all")
    from bench import floor_app

    yield floor_app.app.test_client(), sessions
    for opened in floor_app._database.values():
        opened.close()
    floor_app._database.clear()
    engine.dispose()


def test_the_floor_creates_the_member_its_seat_and_both_events(floor):
    client, sessions = floor

    answer = client.post("/scim/v2/Users", json=USER)

    assert answer.status_code == 201, answer.text
    assert answer.json["userName"] == "User10@acme.test"
    with sessions() as session:
        member = session.scalars(select(Member)).one()
        assert (member.id, member.active) == (answer.json["id"], True)
        assert member.name_sort_key == "user00210@acme.test"
        assert session.scalar(select(func.count()).select_from(Seat)) == 1
        events = session.scalars(select(Event).order_by(Event.id)).all()
    created, taken = events[-2:]
    assert (created.type, taken.type) == ("member.created", "seat.taken")
    # What seat_core.takes.log_taken writes: the member, and the counts the history reads.
    assert created.data == {"member_id": member.id, "active": True, "source": "scim"}
    assert set(taken.data) == {"member_id", "seats_used", "seats_purchased", "term_index", "on"}
    assert (taken.actor_type, taken.subject) == ("scim_token", "User10@acme.test")


def test_the_floor_finds_a_member_by_user_name_as_the_gateway_shows_it(floor):
    client, _ = floor
    created = client.post("/scim/v2/Users", json=USER).json

    found = client.get("/scim/v2/Users?filter=" + quote('userName eq "USER10@acme.test"'))
    missing = client.get("/scim/v2/Users?filter=" + quote('userName eq "nobody@acme.test"'))

    assert found.status_code == 200, found.text
    assert found.json["totalResults"] == 1
    [user] = found.json["Resources"]
    assert (user["id"], user["userName"]) == (created["id"], "User10@acme.test")
    assert missing.json["totalResults"] == 0


def test_on_sqlite_the_floor_waits_for_the_write_lock_as_the_gateway_does(sqlite_url, monkeypatch):
    # Its own steps of at most 2 ms, never SQLite's busy handler (1, 2, 5, 10 ... ms).
    monkeypatch.setenv("BENCH_FLOOR_DATABASE", sqlite_url)
    from bench import floor_app

    opened = floor_app.database()
    try:
        assert opened.driver.execute("PRAGMA busy_timeout").fetchone() == (0,)
    finally:
        opened.close()
        floor_app._database.clear()
