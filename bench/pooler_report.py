"""The gateway through PgBouncer beside the gateway straight: ratios, targets, a table.

A part of the comparison's report (peer_report.py), for the runs where PgBouncer is among
the databases: bench/peer.py adds its checks to the targets and its section to the report.
"""

from __future__ import annotations

from typing import Any

from .peer_report import CREATES, LOOKUPS, _check, _cpu, _ms, _num, _rps, _x, gateway, ratio

# The gateway on PostgreSQL through a PgBouncer in transaction mode, and straight to it with
# the pooler setting (SCIM_GATEWAY_DATABASE_POOLER=transaction: nothing prepared): what the
# pooler costs, split into the statements it cannot keep prepared and the hop itself.
POOLED = "gateway (pgbouncer)"
UNPREPARED = "gateway (postgresql, nothing prepared)"
POOLED_AT_LEAST = 0.9
# The three ways, by the keys the lines use, and the server each is reported under.
WAYS = {"direct": gateway("postgresql"), "unprepared": UNPREPARED, "pooled": POOLED}


def pooler_lines(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return one line per size where the gateway ran through PgBouncer: each operation's
    rate and CPU straight, with nothing prepared, and pooled, and their ratios to straight."""
    lines = []
    for users in sorted({row["users"] for row in rows if row["server"] == POOLED}):
        line: dict[str, Any] = {"users": users}
        for operation in (CREATES, LOOKUPS):
            rates = {way: _rps(rows, server, users, operation) for way, server in WAYS.items()}
            line[operation] = {
                **rates,
                "cpu_ms": {
                    way: _cpu(rows, server, users, operation) for way, server in WAYS.items()
                },
                "unprepared_vs_direct": ratio(rates["unprepared"], rates["direct"]),
                "pooled_vs_direct": ratio(rates["pooled"], rates["direct"]),
            }
        lines.append(line)
    return lines


def pooler_targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check that the gateway through PgBouncer keeps within 10 % of the gateway straight."""
    checks = []
    for line in pooler_lines(rows):
        for operation in (CREATES, LOOKUPS):
            figures = line[operation]
            value = figures["pooled_vs_direct"]
            shown = (
                f"{figures['pooled']:.0f} / {figures['direct']:.0f} req/s = {value:.2f}x"
                if value is not None
                else ""
            )
            name = (
                f"postgresql, {line['users']:,} users: {operation} through PgBouncer "
                f"≥ {POOLED_AT_LEAST}x straight"
            )
            passed = value is not None and value >= POOLED_AT_LEAST
            checks.append({"database": "pgbouncer", **_check(name, value, passed, shown)})
    return checks


def pooler_table(rows: list[dict[str, Any]]) -> list[str]:
    """Return the Markdown rows of the gateway straight, with nothing prepared, and pooled."""
    lines = [
        "| users | creates/s: straight · nothing prepared · PgBouncer | vs straight "
        "| lookups/s: straight · nothing prepared · PgBouncer | vs straight "
        "| CPU ms per create · lookup: straight · nothing prepared · PgBouncer |",
        "|---:|---:|---:|---:|---:|---:|",
    ]
    for line in pooler_lines(rows):
        c, k = line[CREATES], line[LOOKUPS]
        cells = [
            f"{line['users']:,}",
            " · ".join(_num(c[kind]) for kind in WAYS),
            f"{_x(c['unprepared_vs_direct'])} · {_x(c['pooled_vs_direct'])}",
            " · ".join(_num(k[kind]) for kind in WAYS),
            f"{_x(k['unprepared_vs_direct'])} · {_x(k['pooled_vs_direct'])}",
            " · ".join(f"{_ms(c['cpu_ms'][kind])} / {_ms(k['cpu_ms'][kind])}" for kind in WAYS),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines if len(lines) > 2 else []


def pooler_section(rows: list[dict[str, Any]]) -> list[str]:
    found = pooler_table(rows)
    if not found:
        return []
    return [
        "## Through PgBouncer",
        "",
        "The gateway on the same PostgreSQL database three ways, measured in turn with the "
        "others: straight (psycopg prepares a statement once a connection has run it five "
        "times); straight with the pooler setting "
        "(`SCIM_GATEWAY_DATABASE_POOLER=transaction`), which prepares nothing; and through "
        "a PgBouncer in transaction mode, started for the run on the same machine, with that "
        "setting. The first ratio is what preparing nothing costs, the second what the "
        "pooler costs in all. PgBouncer's own CPU is not counted in the server CPU.",
        "",
        *found,
        "",
    ]
