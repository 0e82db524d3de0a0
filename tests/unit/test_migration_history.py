"""Migration 0010: seat_event's rows move into the event log, and come back on downgrade."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from datetime import UTC, date, datetime
from typing import Any

import psycopg
import pytest
from alembic import command
from psycopg import sql
from sqlalchemy import Engine, MetaData, Table, insert, select

from scim_gateway.migrate import alembic_config
from seat_core import make_engine

from ..databases import POSTGRES_ADMIN_URL, sqlalchemy_url

AT = datetime(2025, 3, 1, 12, tzinfo=UTC)
LATER = datetime(2025, 3, 2, 9, tzinfo=UTC)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_url(request: pytest.FixtureRequest, tmp_path: Any) -> Iterator[str]:
    """An empty database, for migrations to build step by step."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'history.db'}"
        return
    name = f"scimgw_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield sqlalchemy_url(f"{POSTGRES_ADMIN_URL.rpartition('/')[0]}/{name}")
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


def stand_in(column: Any) -> Any:
    """Return a value a NOT NULL column without a default takes."""
    kind = column.type.python_type
    values = {str: "x", int: 1, bool: False, date: date(2025, 1, 1), datetime: AT, dict: {}}
    return values.get(kind, "x")


def insert_row(engine: Engine, table: Table, **given: Any) -> int:
    """Insert a row that gives every required column a value; return its id."""
    row = {
        column.name: stand_in(column)
        for column in table.columns
        if not column.nullable and column.server_default is None and not column.primary_key
    }
    with engine.begin() as connection:
        return connection.execute(
            insert(table).values(row | given).returning(table.c.id)
        ).scalar_one()


def test_seat_events_carry_their_counts_into_the_log_and_come_back(empty_url):
    config = alembic_config(empty_url)
    # Just before this migration, whichever revisions precede it.
    command.upgrade(config, "0010")
    command.downgrade(config, "-1")
    engine = make_engine(empty_url)
    try:
        tables = MetaData()
        tables.reflect(engine, only=["organization", "contract", "seat_event", "event"])
        organization, contract, seat_event, event = (
            tables.tables[name] for name in ("organization", "contract", "seat_event", "event")
        )
        org_id = insert_row(engine, organization, slug="acme")
        contract_id = insert_row(
            engine,
            contract,
            organization_id=org_id,
            status="active",
            term_end=date(2026, 1, 1),
            currency="USD",
            timezone="UTC",
            seats_purchased=5,
            seats_used=0,
        )
        logged = dict(organization_id=org_id, actor_type="scim_token", xact_id=0)
        taken_id = insert_row(
            engine,
            event,
            **logged,
            type="seat.taken",
            occurred_at=AT,
            subject="ann",
            data={"member_id": "m-ann", "seats_used": 1, "seats_purchased": 5},
        )
        counts = dict(contract_id=contract_id, seats_purchased=5, term_index=0)
        insert_row(
            engine,
            seat_event,
            **counts,
            member_id="m-ann",
            kind="take",
            seats_used=1,
            on=date(2025, 3, 1),
            at=AT,
        )
        # Written before the event log began: it has no event of its own.
        insert_row(
            engine,
            seat_event,
            **counts,
            member_id="m-bob",
            kind="release",
            seats_used=0,
            on=date(2025, 3, 2),
            at=LATER,
            reason="reclaimed",
        )

        command.upgrade(config, "0010")

        with engine.connect() as connection:
            events = connection.execute(
                select(event.c.id, event.c.type, event.c.actor_type, event.c.data).order_by(
                    event.c.id
                )
            ).all()
        assert [tuple(row) for row in events] == [
            (
                taken_id,
                "seat.taken",
                "scim_token",
                {
                    "member_id": "m-ann",
                    "seats_used": 1,
                    "seats_purchased": 5,
                    "term_index": 0,
                    "on": "2025-03-01",
                },
            ),
            (
                taken_id + 1,
                "seat.released",
                "system",
                {
                    "member_id": "m-bob",
                    "seats_used": 0,
                    "seats_purchased": 5,
                    "term_index": 0,
                    "on": "2025-03-02",
                    "reason": "reclaimed",
                },
            ),
        ]
        engine.dispose()
        tables = MetaData()
        tables.reflect(engine)
        assert "seat_event" not in tables.tables

        command.downgrade(config, "-1")

        tables = MetaData()
        tables.reflect(engine, only=["seat_event"])
        seat_event = tables.tables["seat_event"]
        with engine.connect() as connection:
            rows = connection.execute(
                select(
                    seat_event.c.member_id,
                    seat_event.c.kind,
                    seat_event.c.seats_used,
                    seat_event.c.on,
                    seat_event.c.reason,
                ).order_by(seat_event.c.id)
            ).all()
        assert [tuple(row) for row in rows] == [
            ("m-ann", "take", 1, date(2025, 3, 1), None),
            ("m-bob", "release", 0, date(2025, 3, 2), "reclaimed"),
        ]
    finally:
        engine.dispose()
