"""The least a durable, seat-gated create can cost on this stack: the floor of POST /Users.

Served by the same gunicorn as the gateway, on the gateway's own SQLite database, it does
for each POST /Users only what no implementation of docs/rules.md can skip:

- read the JSON body and validate it with scim2-models, as scim2-server does;
- in one transaction (BEGIN IMMEDIATE, waited for as the gateway waits): the licensing
  check, the member's INSERT, the guarded UPDATE that takes a seat, the seat's INSERT, and
  the event log's two rows (member.created, and seat.taken with the counts the usage
  history reads) by one INSERT; then COMMIT;
- dump the created User for the response, as scim2-server does.

The statements are the gateway's own (seat_core's prepared statements and the event log's
two-row INSERT), compiled once and run on the sqlite3 driver with no SQLAlchemy around them. The
body is stored as the client sent it. There is no authentication, no rate limit, no
refusal path, no alert check, no metrics and no logging. What this app reaches is what the
gateway could reach if every layer of its own cost nothing; no gateway change can beat it.

With BENCH_FLOOR_STATEMENTS=none it runs no statement at all (and needs no database): what
is left, validation, the dump and the stack, is what the writes are measured against.
"""

from __future__ import annotations

import json
import os
import random
import sqlite3
import time
import uuid
from datetime import UTC, date, datetime, timedelta
from typing import Any

from flask import Flask, Response, request
from scim2_models import Context, EnterpriseUser, Meta, User
from sqlalchemy.dialects import sqlite as sqlite_dialect

from seat_core.events import INSERT_TWO_EVENTS
from seat_core.fastpath import statements
from seat_core.fastpath.prepared import Prepared
from seat_core.identity import natural_key

SCIM_JSON = "application/scim+json"
DIALECT = sqlite_dialect.dialect()
ONE_DAY = timedelta(days=1)
Model = User[EnterpriseUser]

app = Flask(__name__)


class Statement:
    """One of the gateway's prepared statements, as the SQL and binds sqlite3 takes."""

    def __init__(self, prepared: Prepared[Any]) -> None:
        compiled = prepared.compiled(DIALECT)
        assert compiled.positions is not None  # SQLite's parameters are positional
        self.sql = compiled.sql
        self.positions = compiled.positions
        self.defaults = compiled.defaults
        self.binds = compiled.binds

    def run(self, cursor: sqlite3.Cursor, parameters: dict[str, Any]) -> list[Any]:
        values = {**self.defaults, **parameters}
        for name, process in self.binds:
            values[name] = process(values[name])
        cursor.execute(self.sql, [values[name] for name in self.positions])
        return cursor.fetchall()


INSERT_MEMBER = Statement(statements.INSERT_MEMBER)
LICENSED = Statement(statements.LICENSED_GROUP)
TAKE = Statement(statements.TAKE_SEAT)
INSERT_SEAT = Statement(statements.INSERT_SEAT)
EVENTS = Statement(INSERT_TWO_EVENTS)

_connection: dict[int, sqlite3.Connection] = {}


def connection() -> sqlite3.Connection:
    """Return this process's connection to the gateway's database, opened after fork."""
    pid = os.getpid()
    if pid not in _connection:
        path = os.environ["BENCH_FLOOR_DATABASE"]
        opened = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        for pragma in ("journal_mode = WAL", "foreign_keys = ON", "synchronous = NORMAL"):
            opened.execute(f"PRAGMA {pragma}")
        _connection[pid] = opened
    return _connection[pid]


def begin_immediate(db: sqlite3.Connection) -> None:
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


@app.get("/readyz")
def ready() -> str:
    """Answer that the app is up."""
    return "ok"


@app.post("/scim/v2/Users")
def create() -> Response:
    """Validate, write the member with its seat and events in one transaction, dump."""
    payload = json.loads(request.get_data())
    resource = Model.model_validate(payload, scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    at = datetime.now(UTC)
    member_id = str(uuid.uuid4())
    organization_id = int(os.environ["BENCH_FLOOR_ORGANIZATION"])
    key = resource.user_name.casefold()
    email = resource.emails[0].value if resource.emails else None
    row = {
        "m_id": member_id,
        "m_organization_id": organization_id,
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
    common = {"p_organization_id": organization_id, "p_member_id": member_id, "p_at": at}
    day = at.date()
    take = {**common, "p_on": day - ONE_DAY, "p_until": day + ONE_DAY, "p_key": key}
    take["p_other_key"] = row["m_email_key"] or key
    event = {
        "organization_id": organization_id,
        "occurred_at": at,
        "actor_type": "scim_token",
        "actor_id": "1",
        "actor_label": None,
        "subject": resource.user_name,
    }
    if os.environ.get("BENCH_FLOOR_STATEMENTS", "all") == "all":
        write(row, common, take, event, member_id, day, at)
    resource.id = member_id
    location = f"{request.host_url}scim/v2/Users/{member_id}"
    resource.meta = Meta(
        resource_type="User", created=at, last_modified=at, location=location, version='W/"1"'
    )
    body = json.dumps(resource.model_dump(scim_ctx=Context.RESOURCE_CREATION_RESPONSE))
    return Response(body, 201, content_type=SCIM_JSON, headers={"Location": location})


def write(
    row: dict[str, Any],
    common: dict[str, Any],
    take: dict[str, Any],
    event: dict[str, Any],
    member_id: str,
    day: date,
    at: datetime,
) -> None:
    """Write the member, its seat and both events, in one transaction."""
    organization_id = common["p_organization_id"]
    db = connection()
    cursor = db.cursor()
    begin_immediate(db)
    try:
        LICENSED.run(cursor, {"p_organization_id": organization_id})
        INSERT_MEMBER.run(cursor, row)
        taken = TAKE.run(cursor, take)
        if not taken:
            raise RuntimeError("the floor's organization has no seat free")
        contract_id, used, purchased, term_index = taken[0][:4]
        INSERT_SEAT.run(cursor, {**common, "p_contract_id": contract_id})
        created = {"member_id": member_id, "active": True, "source": "scim"}
        counts = {"seats_used": used, "seats_purchased": purchased, "term_index": term_index}
        data = {"member_id": member_id, **counts, "on": day.isoformat()}
        pair = {f"{name}_1": value for name, value in {**event, "type": "member.created"}.items()}
        pair |= {f"{name}_2": value for name, value in {**event, "type": "seat.taken"}.items()}
        EVENTS.run(cursor, {**pair, "data_1": created, "data_2": data})
        db.execute("COMMIT")
    except BaseException:
        db.execute("ROLLBACK")
        raise
