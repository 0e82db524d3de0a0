"""The bench's durable floor writes what a gateway create writes, or it measures errors."""

from __future__ import annotations

from datetime import UTC, date, datetime

from sqlalchemy import func, select

from seat_core import make_engine, make_sessionmaker
from seat_core.models import Event, Member, Seat
from tests.factories import gen_organization


def test_the_floor_creates_the_member_its_seat_and_both_events(sqlite_url, monkeypatch):
    engine = make_engine(sqlite_url)
    sessions = make_sessionmaker(engine)
    today = datetime.now(UTC).date()
    with sessions.begin() as session:
        organization = gen_organization(session, start=date(today.year, 1, 1), seats=5)
        organization_id = organization.id
    monkeypatch.setenv("BENCH_FLOOR_DATABASE", engine.url.database or "")
    monkeypatch.setenv("BENCH_FLOOR_ORGANIZATION", str(organization_id))
    monkeypatch.setenv("BENCH_FLOOR_STATEMENTS", "all")
    from bench import floor_app

    answer = floor_app.app.test_client().post(
        "/scim/v2/Users",
        json={
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
            "userName": "User10@acme.test",
            "active": True,
        },
    )

    assert answer.status_code == 201, answer.text
    with sessions() as session:
        member = session.scalars(select(Member)).one()
        assert member.name_sort_key == "user00210@acme.test"
        assert session.scalar(select(func.count()).select_from(Seat)) == 1
        types = session.scalars(select(Event.type).order_by(Event.id)).all()
    engine.dispose()
    assert types[-2:] == ["member.created", "seat.taken"]
