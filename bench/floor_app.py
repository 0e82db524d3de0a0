"""The least a durable, seat-gated create or lookup can cost on this stack: the floor.

Served by the same gunicorn as the gateway, on the gateway's own database (SQLite or
PostgreSQL), it does only what no implementation of docs/rules.md can skip.

For each POST /Users:
- read the JSON body and validate it with scim2-models, as scim2-server does;
- write the member with its seat and both events, by the gateway's own statements:
  - on SQLite, in one transaction (BEGIN IMMEDIATE, waited for as the gateway waits): the
    licensing check, the member's INSERT, the guarded UPDATE that takes a seat, the seat's
    INSERT, and the event log's two rows (member.created, and seat.taken with the counts
    the usage history reads) by one INSERT; then COMMIT;
  - on PostgreSQL, one call of the function that does all of that in one statement
    (seat_take_alone), in autocommit, as the gateway sends it;
- dump the created User for the response, as scim2-server does.

For each `GET /Users?filter=userName eq "..."`: read the filter as the gateway's shortcut
reads it, run the gateway's own lookup statement (on PostgreSQL, the call of its function)
and answer with the gateway's own projection of the stored JSON.

The statements are compiled once by SQLAlchemy for the database's dialect and run on the
driver's connection with nothing of SQLAlchemy around them. The body is stored as the
client sent it. There is no authentication, no rate limit, no refusal path, no alert
check, no metrics and no logging. What this app reaches is what the gateway could reach
if every layer of its own cost nothing; no gateway change can beat it.

With BENCH_FLOOR_STATEMENTS=none a create runs no statement at all (and needs no
database): what is left, validation, the dump and the stack, is what the writes are
measured against.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
import uuid
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask, Response, request
from scim2_models import Context, EnterpriseUser, Meta, User
from sqlalchemy import Dialect, Engine

from scim_gateway.scim.lookup import BY_USER_NAME_CALL, group_list, simple_filter
from scim_gateway.scim.policy import comparison_key
from scim_gateway.scim.projection import list_payload, shown_user
from seat_core import events as event_log
from seat_core import make_engine
from seat_core.actors import Actor
from seat_core.events import INSERT_TWO_EVENTS
from seat_core.fastpath import statements
from seat_core.fastpath.at_once import TAKE_SEAT_ALONE_CALL
from seat_core.fastpath.prepared import Prepared
from seat_core.history import counts
from seat_core.identity import natural_key

SCIM_JSON = "application/scim+json"
ONE_DAY = timedelta(days=1)
Model = User[EnterpriseUser]
# Who every create of the floor is made by, as the gateway records a SCIM token.
SCIM_TOKEN = Actor("scim_token", "1")

app = Flask(__name__)


class Statement:
    """One of the gateway's prepared statements, as the driver of one database takes it."""

    def __init__(self, prepared: Prepared[Any], dialect: Dialect) -> None:
        compiled = prepared.compiled(dialect)
        self.sql = compiled.sql
        # None on PostgreSQL, whose driver takes named parameters.
        self.positions = compiled.positions
        self.defaults = compiled.defaults
        self.binds = compiled.binds
        self.results = compiled.results
        self.make: Callable[[Any], Any] = prepared.result._make  # type: ignore[attr-defined]

    def run(self, cursor: Any, parameters: dict[str, Any]) -> list[Any]:
        """Run the statement; return its rows as the statement's named result."""
        values = {**self.defaults, **parameters}
        for name, process in self.binds:
            values[name] = process(values[name])
        arguments = values if self.positions is None else [values[n] for n in self.positions]
        cursor.execute(self.sql, arguments)
        fetched = cursor.fetchall() if cursor.description is not None else []
        if self.results is None:
            return [self.make(row) for row in fetched]
        return [
            self.make(v if p is None else p(v) for p, v in zip(self.results, row, strict=True))
            for row in fetched
        ]


class Database:
    """This process's connection to the gateway's database, opened after fork, and the
    gateway's statements compiled for it."""

    def __init__(self, url: str) -> None:
        # The gateway's own engine, for its connection settings and its dialect, as
        # initialized by a first connection; the statements then run on the driver's
        # connection alone. The pooled connection is kept, never handed back.
        engine: Engine = make_engine(url, pool_size=1)
        self.engine = engine
        self.pooled = engine.raw_connection()
        self.driver: Any = self.pooled.dbapi_connection
        dialect = engine.dialect
        self.kind = dialect.name
        if self.kind == "postgresql":
            # Each statement a transaction by itself, as the gateway sends the take's call.
            self.driver.autocommit = True
            self.take_alone = Statement(TAKE_SEAT_ALONE_CALL, dialect)
        else:
            # The engine sets a busy timeout, inside which SQLite's own handler sleeps 1, 2,
            # 5, 10 ... ms; the gateway turns it off for its BEGIN IMMEDIATE and waits in
            # steps of at most 2 ms (seat_core.db), and so does begin_immediate here.
            self.driver.execute("PRAGMA busy_timeout = 0")
            self.licensed = Statement(statements.LICENSED_GROUP, dialect)
            self.insert_member = Statement(statements.INSERT_MEMBER, dialect)
            self.take = Statement(statements.TAKE_SEAT, dialect)
            self.insert_seat = Statement(statements.INSERT_SEAT, dialect)
            self.events = Statement(INSERT_TWO_EVENTS, dialect)
        self.by_user_name = Statement(BY_USER_NAME_CALL, dialect)

    def close(self) -> None:
        """Close the connection and its engine."""
        self.pooled.close()
        self.engine.dispose()


_database: dict[tuple[int, str], Database] = {}


def database() -> Database:
    """Return this process's database (BENCH_FLOOR_DATABASE, the gateway's URL), opened on
    first use after fork."""
    key = (os.getpid(), os.environ["BENCH_FLOOR_DATABASE"])
    if key not in _database:
        _database[key] = Database(key[1])
    return _database[key]


def begin_immediate(db: Any) -> None:
    """BEGIN IMMEDIATE, retried in steps of at most 2 ms, as seat_core.db waits for it."""
    delay = 0.0001
    while True:
        try:
            db.execute("BEGIN IMMEDIATE")
            return
        except sqlite3.OperationalError as error:
            if error.sqlite_errorcode & 0xFF != sqlite3.SQLITE_BUSY:
                raise
        time.sleep(random.uniform(delay / 2, delay))
        delay = min(delay * 2, 0.002)


def organization_id() -> int:
    """Return the organization every request of the floor is for."""
    return int(os.environ["BENCH_FLOOR_ORGANIZATION"])


@app.get("/readyz")
def ready() -> str:
    """Answer that the app is up."""
    return "ok"


@app.get("/scim/v2/Users")
def lookup() -> Response:
    """Find a member by `userName eq`, with its groups, and show it as the gateway does."""
    simple = simple_filter(request.args.get("filter", ""))
    if simple is None or simple[0] != "userName":
        return Response("the floor answers userName eq lookups only", 400)
    db = database()
    key = comparison_key(None, simple[1])
    cursor = db.driver.cursor()
    try:
        rows = db.by_user_name.run(cursor, {"organization_id": organization_id(), "key": key})
    finally:
        cursor.close()
    shown = [
        shown_user(row, base_url=request.host_url, groups=group_list(row, db.kind)) for row in rows
    ]
    body = json.dumps(list_payload(1, len(shown), shown))
    return Response(body, 200, content_type=SCIM_JSON)


@app.post("/scim/v2/Users")
def create() -> Response:
    """Validate, write the member with its seat and events in one transaction, dump."""
    payload = json.loads(request.get_data())
    resource = Model.model_validate(payload, scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    at = datetime.now(UTC)
    member_id = str(uuid.uuid4())
    organization = organization_id()
    key = resource.user_name.casefold()
    email = resource.emails[0].value if resource.emails else None
    row = {
        "m_id": member_id,
        "m_organization_id": organization,
        "m_user_name": resource.user_name,
        "m_user_name_key": key,
        "m_name_sort_key": natural_key(key),
        "m_external_id": resource.external_id,
        "m_display_name": resource.display_name,
        "m_email": email,
        "m_email_key": email.casefold() if email else None,
        "m_active": True,
        "m_source": "scim",
        "m_scim": payload,
        "m_version": 1,
        "m_sso_issuer": None,
        "m_sso_subject": None,
        "m_last_sign_in_at": None,
        "m_created_at": at,
        "m_updated_at": at,
    }
    if os.environ.get("BENCH_FLOOR_STATEMENTS", "all") == "all":
        db = database()
        if db.kind == "postgresql":
            write_alone(db, row, at)
        else:
            write(db, row, at)
    resource.id = member_id
    location = f"{request.host_url}scim/v2/Users/{member_id}"
    resource.meta = Meta(
        resource_type="User", created=at, last_modified=at, location=location, version='W/"1"'
    )
    body = json.dumps(resource.model_dump(scim_ctx=Context.RESOURCE_CREATION_RESPONSE))
    return Response(body, 201, content_type=SCIM_JSON, headers={"Location": location})


def take_parameters(row: dict[str, Any], at: datetime) -> dict[str, Any]:
    """Return the take's parameters for the member of row, as seat_core.takes names them."""
    return {
        "p_organization_id": row["m_organization_id"],
        "p_member_id": row["m_id"],
        "p_at": at,
        "p_key": row["m_user_name_key"],
        "p_other_key": row["m_email_key"] or row["m_user_name_key"],
    }


def write_alone(db: Database, row: dict[str, Any], at: datetime) -> None:
    """Write the member, its seat and both events by one call, a transaction by itself."""
    parameters = {
        **row,
        **take_parameters(row, at),
        "p_on": None,
        "p_actor_type": SCIM_TOKEN.type,
        "p_actor_id": SCIM_TOKEN.id,
        "p_actor_label": SCIM_TOKEN.label,
        "p_subject": row["m_user_name"],
    }
    cursor = db.driver.cursor()
    try:
        if not db.take_alone.run(cursor, parameters):
            raise RuntimeError("the floor's organization has no seat free")
    finally:
        cursor.close()


def write(db: Database, row: dict[str, Any], at: datetime) -> None:
    """Write the member, its seat and both events, in one transaction."""
    common = take_parameters(row, at)
    day = at.date()
    take = {**common, "p_on": day - ONE_DAY, "p_until": day + ONE_DAY}
    cursor = db.driver.cursor()
    begin_immediate(db.driver)
    try:
        db.licensed.run(cursor, {"p_organization_id": common["p_organization_id"]})
        db.insert_member.run(cursor, row)
        taken = db.take.run(cursor, take)
        if not taken:
            raise RuntimeError("the floor's organization has no seat free")
        contract_id, used, purchased, term_index = taken[0][:4]
        seat = {name: common[name] for name in ("p_organization_id", "p_member_id", "p_at")}
        db.insert_seat.run(cursor, {**seat, "p_contract_id": contract_id})
        db.events.run(cursor, events(row, at, day, used, purchased, term_index))
        db.driver.execute("COMMIT")
    except BaseException:
        db.driver.execute("ROLLBACK")
        raise
    finally:
        cursor.close()


def events(
    row: dict[str, Any], at: datetime, day: date, used: int, purchased: int, term_index: int
) -> dict[str, Any]:
    """Return the parameters of the two-event INSERT: member.created, then seat.taken, as
    seat_core.takes.log_taken makes them."""
    organization_id, subject = row["m_organization_id"], row["m_user_name"]
    data = {"member_id": row["m_id"]}
    created = event_log.parameters(
        organization_id,
        "member.created",
        at,
        subject,
        data | {"active": True, "source": "scim"},
        SCIM_TOKEN,
    )
    taken = event_log.parameters(
        organization_id,
        "seat.taken",
        at,
        subject,
        data | counts(used, purchased, term_index, on=day),
        SCIM_TOKEN,
    )
    return event_log.pair_values(created, taken)
