"""Query plans of the lookups IdPs poll with, captured from the app's own SQL."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from sqlalchemy import event

from scim_gateway import create_app

from .seed import Org, external_id, member_id, user_name

# Lookups whose plans the report shows, by the label of their measured operation.
LOOKUPS = {
    "GET userName": lambda org, i: (
        "/scim/v2/Users?filter=" + quote(f'userName eq "{user_name(org.slug, i)}"')
    ),
    "GET externalId": lambda org, i: (
        "/scim/v2/Users?filter=" + quote(f'externalId eq "{external_id(org.slug, i)}"')
    ),
    "GET id": lambda org, i: f"/scim/v2/Users/{member_id(org.slug, i)}",
}


def _explain(connection: Any, dialect: str, statement: str, parameters: Any) -> list[str]:
    if dialect == "sqlite":
        rows = connection.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters)
        return [str(row[-1]) for row in rows]
    rows = connection.exec_driver_sql(f"EXPLAIN (ANALYZE, TIMING OFF) {statement}", parameters)
    return [str(row[0]) for row in rows]


def scans(plan: list[str]) -> bool:
    """Tell whether a plan reads every member (of the table, or of the organization)."""
    for line in plan:
        text = line.strip().lstrip("->").strip()
        if text.startswith(("Seq Scan on member", "SCAN member")):
            return True
        # An index searched by organization alone walks all of the organization's members.
        if text.startswith("SEARCH member USING") and text.endswith("(organization_id=?)"):
            return True
    return False


def lookup_plans(url: str, org: Org, config: dict[str, Any], index: int) -> dict[str, Any]:
    """Run each lookup once in process; return every SELECT it ran with its plan."""
    app = create_app({**config, "DATABASE_URL": url})
    database = app.extensions["db"]
    engine = database.engine
    captured: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        if statement.lstrip().upper().startswith("SELECT"):
            captured.append((statement, parameters))

    event.listen(engine, "before_cursor_execute", capture)
    plans: dict[str, Any] = {}
    client = app.test_client()
    headers = {"Authorization": f"Bearer {org.scim_token}"}
    try:
        for label, path in LOOKUPS.items():
            captured.clear()
            status = client.get(path(org, index), headers=headers).status_code
            # The same statement may run twice (a count and a page); explain it once.
            statements = list({(s, repr(p)): (s, p) for s, p in captured}.values())
            with engine.connect() as connection:
                explained = [
                    {
                        "sql": " ".join(statement.split()),
                        "plan": _explain(connection, engine.dialect.name, statement, parameters),
                    }
                    for statement, parameters in statements
                ]
            for entry in explained:
                entry["scan"] = scans(entry["plan"])
            plans[label] = {"status": status, "statements": explained}
    finally:
        event.remove(engine, "before_cursor_execute", capture)
        database.dispose()
    return plans
