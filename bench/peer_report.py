"""The comparison's report: ratios to the durable peer and the floor, targets, Markdown tables."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence
from typing import Any

CREATES = "creates"
LOOKUPS = "lookups by userName"
PAGES = "page of 100"
# The reference lines: scim2-server keeps its users in memory, bare Flask answers constants.
PEER = "scim2-server"
CEILING = "bare Flask"
# The floor with BENCH_FLOOR_STATEMENTS=none: validation, the dump and the stack, no writes.
UNWRITTEN = "floor, no statements"
# The targets on each database at each size: reported, never enforced. A ratio is the
# gateway's rate over the durable peer's (django-scim2 on the same database) or the floor's.
TARGETS: dict[str, dict[str, float]] = {
    "sqlite": {"creates_vs_durable": 1.3, "creates_vs_floor": 0.9, "lookups_vs_durable": 2.0},
    "postgresql": {"creates_vs_durable": 1.3, "lookups_vs_durable": 1.5},
}
PAGE_CPU_MS = 15.0


def durable(kind: str) -> str:
    """Return the name the durable peer, django-scim2 on one database, is reported under."""
    return f"django-scim2 ({kind})"


def floor(kind: str) -> str:
    """Return the name of the durable floor on one database (bench/floor_app.py)."""
    return f"durable floor ({kind})"


def gateway(kind: str) -> str:
    """Return the server name the gateway on one database is reported under."""
    return f"gateway ({kind})"


# The figures of a measurement that are summed over rounds rather than taken at the median.
SUMMED = ("errors",)


def combined(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Return one row per server, size and operation: each figure's median over the rounds.

    A row keeps the first round's other fields, and gains `rounds` and `rps_range`.
    """
    groups: dict[tuple[Any, ...], list[dict[str, Any]]] = {}
    for row in rows:
        groups.setdefault((row["server"], row["users"], row["operation"]), []).append(row)
    out = []
    for measured in groups.values():
        row = {key: value for key, value in measured[0].items() if key != "round"}
        for key, value in measured[0].items():
            if key == "round" or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            values = [each[key] for each in measured if isinstance(each.get(key), int | float)]
            row[key] = sum(values) if key in SUMMED else statistics.median(values)
        row["rounds"] = len(measured)
        row["rps_range"] = [
            min(each["rps"] for each in measured),
            max(each["rps"] for each in measured),
        ]
        out.append(row)
    return out


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """Return numerator / denominator, or None when either is missing or the divisor is 0."""
    if numerator is None or not denominator:
        return None
    return numerator / denominator


def _find(rows: list[dict[str, Any]], server: str, users: int, operation: str) -> Any:
    for row in rows:
        if (row["server"], row["users"], row["operation"]) == (server, users, operation):
            return row
    return None


def _rps(rows: list[dict[str, Any]], server: str, users: int, operation: str) -> float | None:
    row = _find(rows, server, users, operation)
    return None if row is None else float(row["rps"])


def _cpu(rows: list[dict[str, Any]], server: str, users: int, operation: str) -> float | None:
    row = _find(rows, server, users, operation)
    return None if row is None else row["server_cpu_ms_per_request"]


def summary(rows: list[dict[str, Any]], kinds: list[str]) -> list[dict[str, Any]]:
    """Return one line per size and database: each server's rates and the gateway's ratios."""
    lines = []
    for users in sorted({row["users"] for row in rows}):
        for kind in kinds:
            ours, peer = gateway(kind), durable(kind)
            line: dict[str, Any] = {"users": users, "database": kind}
            for operation in (CREATES, LOOKUPS):
                rates = {
                    "gateway": _rps(rows, ours, users, operation),
                    "durable": _rps(rows, peer, users, operation),
                    "memory": _rps(rows, PEER, users, operation),
                    "ceiling": _rps(rows, CEILING, users, operation),
                }
                lowest = _rps(rows, floor(kind), users, operation)
                line[operation] = {
                    **rates,
                    "cpu_ms": _cpu(rows, ours, users, operation),
                    "durable_cpu_ms": _cpu(rows, peer, users, operation),
                    "memory_cpu_ms": _cpu(rows, PEER, users, operation),
                    "vs_durable": ratio(rates["gateway"], rates["durable"]),
                    "vs_memory": ratio(rates["gateway"], rates["memory"]),
                    "vs_ceiling": ratio(rates["gateway"], rates["ceiling"]),
                    "floor": lowest,
                    "floor_cpu_ms": _cpu(rows, floor(kind), users, operation),
                    "vs_floor": ratio(rates["gateway"], lowest),
                    "floor_vs_durable": ratio(lowest, rates["durable"]),
                }
            # The floor without statements writes nothing: one figure serves every database.
            unwritten = _rps(rows, UNWRITTEN, users, CREATES)
            line[CREATES] |= {
                "unwritten": unwritten,
                "unwritten_cpu_ms": _cpu(rows, UNWRITTEN, users, CREATES),
                "unwritten_vs_durable": ratio(unwritten, line[CREATES]["durable"]),
            }
            page = _find(rows, ours, users, PAGES)
            line["page_cpu_ms"] = None if page is None else page["server_cpu_ms_per_request"]
            lines.append(line)
    return lines


def _check(target: str, value: float | None, passed: bool, shown: str) -> dict[str, Any]:
    return {
        "target": target,
        "value": shown if value is not None else "not measured",
        "passed": value is not None and passed,
    }


def peer_targets(rows: list[dict[str, Any]], kinds: list[str]) -> list[dict[str, Any]]:
    """Check the targets at each size on each database; one entry per check."""
    checks = []
    for line in summary(rows, kinds):
        kind = line["database"]
        where = f"{kind}, {line['users']:,} users"
        wanted = TARGETS.get(kind, {})
        for key, least in wanted.items():
            operation, _, against = key.partition("_vs_")
            figures = line[CREATES if operation == "creates" else LOOKUPS]
            value = figures[f"vs_{against}"]
            other = durable(kind) if against == "durable" else floor(kind)
            shown = (
                f"{figures['gateway']:.0f} / {figures[against]:.0f} req/s = {value:.2f}x"
                if value is not None
                else ""
            )
            if against == "durable" and value is not None and figures["floor"] is not None:
                # Whether the target is within the floor's reach at all.
                shown += f" (the floor: {figures['floor_vs_durable']:.2f}x)"
            name = f"{where}: {CREATES if operation == 'creates' else LOOKUPS} ≥ {least}x {other}"
            checks.append(
                {
                    "database": kind,
                    **_check(name, value, value is not None and value >= least, shown),
                }
            )
        cpu = line["page_cpu_ms"]
        checks.append(
            {
                "database": kind,
                **_check(
                    f"{where}: a page of 100 < {PAGE_CPU_MS:.0f} ms server CPU",
                    cpu,
                    cpu is not None and cpu < PAGE_CPU_MS,
                    f"{cpu:.1f} ms" if cpu is not None else "",
                ),
            }
        )
    return checks


def _num(value: float | None, form: str = "{:.0f}") -> str:
    return "—" if value is None or math.isnan(value) else form.format(value)


def _x(value: float | None) -> str:
    return _num(value, "{:.2f}x")


def _ms(value: float | None) -> str:
    return _num(value, "{:.1f}")


def table(rows: list[dict[str, Any]], kinds: list[str]) -> list[str]:
    """Return the Markdown rows of the side-by-side table (the README shows the same)."""
    lines = [
        "| users | database | creates/s: gateway · django-scim2 · floor · scim2-server · "
        "bare Flask | vs django-scim2 · floor | lookups/s: gateway · django-scim2 · floor · "
        "scim2-server · bare Flask | vs django-scim2 · floor | CPU ms per create · lookup: "
        "gateway · django-scim2 | page of 100, CPU ms |",
        "|---:|---|---:|---:|---:|---:|---:|---:|",
    ]
    servers = ("gateway", "durable", "floor", "memory", "ceiling")
    for line in summary(rows, kinds):
        c, k = line[CREATES], line[LOOKUPS]
        cells = [
            f"{line['users']:,}",
            line["database"],
            " · ".join(_num(c[key]) for key in servers),
            f"{_x(c['vs_durable'])} · {_x(c['vs_floor'])}",
            " · ".join(_num(k[key]) for key in servers),
            f"{_x(k['vs_durable'])} · {_x(k['vs_floor'])}",
            f"{_ms(c['cpu_ms'])} · {_ms(k['cpu_ms'])} vs "
            f"{_ms(c['durable_cpu_ms'])} · {_ms(k['durable_cpu_ms'])}",
            _ms(line["page_cpu_ms"]),
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


# What each floor table sets side by side: the key of a server's figures in summary() (the
# gateway's have none) and its name.
FLOOR_SERVERS = {
    CREATES: (
        ("unwritten", "floor without statements"),
        ("floor", "floor"),
        ("", "gateway"),
        ("durable", "django-scim2"),
    ),
    LOOKUPS: (("floor", "floor"), ("", "gateway"), ("durable", "django-scim2")),
}


def floor_table(
    rows: list[dict[str, Any]], kinds: list[str], operation: str = CREATES
) -> list[str]:
    """Return the Markdown rows of an operation beside the durable floor, where it ran."""
    servers = FLOOR_SERVERS[operation]
    names = " · ".join(name for _, name in servers)
    # Every server but django-scim2 itself against django-scim2.
    against = servers[:-1]
    lines = [
        f"| users | database | {operation.split()[0]}/s: {names} | vs django-scim2: "
        f"{' · '.join(name for _, name in against)} | gateway vs floor | CPU ms: {names} |",
        "|---:|---|---:|---:|---:|---:|",
    ]
    for line in summary(rows, kinds):
        f = line[operation]
        if f["floor"] is None:
            continue
        rates = " · ".join(_num(f[key or "gateway"]) for key, _ in servers)
        ratios = " · ".join(
            _x(f[f"{key}_vs_durable" if key else "vs_durable"]) for key, _ in against
        )
        cpu = " · ".join(_ms(f[f"{key}_cpu_ms" if key else "cpu_ms"]) for key, _ in servers)
        lines.append(
            f"| {line['users']:,} | {line['database']} | {rates} | {ratios} "
            f"| {_x(f['vs_floor'])} | {cpu} |"
        )
    return lines if len(lines) > 2 else []


def _floor_section(rows: list[dict[str, Any]], kinds: list[str]) -> list[str]:
    creates = floor_table(rows, kinds)
    found = floor_table(rows, kinds, LOOKUPS)
    if not creates and not found:
        return []
    return [
        "## Beside the durable floor",
        "",
        "The floor (`bench/floor_app.py`) is the gateway's own statements on the same "
        "database with no layer of the gateway around them. A create validates the body "
        "with scim2-models, writes the member, takes its seat by the guarded UPDATE, holds "
        "it and logs both events (on SQLite by the gateway's statements in one transaction, "
        "on PostgreSQL by one call of its `seat_take_alone` function), and dumps the User. "
        "A lookup reads the filter as the gateway's shortcut does, runs its lookup "
        "statement (on PostgreSQL, its function) and shows the user by its projection. No "
        "gateway change can make either faster than the floor, and a target above the "
        "floor's own ratio to django-scim2 is beyond any gateway on these statements. The "
        "floor without statements skips the writes: what it adds to the floor's rate is "
        "what the writes cost.",
        "",
        *creates,
        "",
        *found,
        "",
    ]


# What each server does per request, as the report states it.
SERVERS = [
    "**gateway**: `wsgi:app` as deployed. A create authenticates the token, validates the "
    "body with scim2-models, and in one transaction writes the member, takes a seat by the "
    "guarded UPDATE, holds it, and logs member.created and seat.taken; a lookup is one "
    "indexed SELECT of the organization's member by userName.",
    "**django-scim2 {version}** (`bench/django_peer/`, the durable peer) on Django "
    "{django}, stock, with its own test-suite user model, on the same database as the "
    "gateway (SQLite in WAL mode, `synchronous=NORMAL`, `transaction_mode=IMMEDIATE`; or "
    "PostgreSQL), persistent connections, an index on `UPPER(username)` and a bearer-token "
    "middleware. A create runs two autocommit statements, not atomic: the user's INSERT, "
    "then an UPDATE that sets its SCIM id; then a SELECT of its groups for the response. "
    "A lookup is a SELECT on `UPPER(username)` and a SELECT of the user's groups. No seat, "
    "no events, no tenant.",
    "**durable floor** (`bench/floor_app.py`), on each database: the gateway's own "
    "statements of a create and of a lookup on the bare driver, with scim2-models "
    "validation and dump for a create and the gateway's projection for a lookup, and "
    "nothing else: no authentication, no refusal path, no alerts, no metrics.",
    "**scim2-server {memory}** in memory (`bench/peer_app.py`, preloaded, each worker its "
    "own copy; nothing durable) and **bare Flask** {flask} answering constants "
    "(`bench/ceiling_app.py`): reference lines.",
]


def markdown(
    date: str, machine: dict[str, Any], result: dict[str, Any], sections: Sequence[str] = ()
) -> str:
    """Return the Markdown report of one comparison run, with sections (Markdown lines, such
    as bench/pooler_report.py's) after the floor's."""
    rows = result["rows"]
    versions = result.get("versions", {})
    servers = [
        "- "
        + text.format(
            version=versions.get("django-scim2", "?"),
            django=versions.get("django", "?"),
            memory=versions.get("scim2-server", "?"),
            flask=versions.get("flask", "?"),
        )
        for text in SERVERS
    ]
    lines = [
        f"# The gateway beside django-scim2, the floor and the reference lines, {date}",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['os']}, Python "
        f"{machine['python']}; load average at start {machine['load_average']}. Every server "
        f"under gunicorn {versions.get('gunicorn', '?')} with {machine['workers']} sync "
        f"workers, {result['clients']} clients for {machine['seconds']} s per operation after "
        f"a {machine['warmup']} s warm-up. At each size every server is up at once and "
        f"measured in turn, {result.get('rounds', 1)} round(s); each figure below is the "
        "median over the rounds. Creates are POST /Users of new active users; lookups are "
        "`userName eq` filters on seeded users drawn at random, each checked to find "
        "exactly its user.",
        "",
        *servers,
        "",
        *table(rows, result["databases"]),
        "",
        "Server CPU per request (all workers, from /proc; PostgreSQL's own is not counted) is "
        "the steadier figure on a shared machine: requests per second move with whatever "
        "else runs on it.",
        "",
        *_floor_section(rows, result["databases"]),
        *sections,
        "## Targets (reported, not enforced)",
        "",
        "| target | measured | result |",
        "|---|---|---|",
    ]
    for check in result["targets"]:
        verdict = "PASS" if check["passed"] else "**FAIL**"
        lines.append(f"| {check['target']} | {check['value']} | {verdict} |")
    lines += [
        "",
        "## Every measurement",
        "",
        "| users | server | operation | round | req/s | p50 ms | p99 ms | errors "
        "| server CPU ms/req | load gen CPU |",
        "|---:|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for row in result.get("measurements", rows):
        lines.append(
            f"| {row['users']:,} | {row['server']} | {row['operation']} "
            f"| {row.get('round', 1)} | {row['rps']:.1f} "
            f"| {_ms(row['p50_ms'])} | {_ms(row['p99_ms'])} "
            f"| {row['errors']} | {_ms(row['server_cpu_ms_per_request'])} "
            f"| {row['client_cpu_share']:.1%} |"
        )
    errors = result.get("gateway_log_errors") or []
    lines += ["", f"Error lines in the gateway's log: {len(errors)}."]
    return "\n".join(lines) + "\n"
