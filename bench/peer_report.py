"""The comparison's report: ratios to the peer and the ceiling, targets, a Markdown table."""

from __future__ import annotations

import math
import statistics
from typing import Any

CREATES = "creates"
LOOKUPS = "lookups by userName"
PAGES = "page of 100"
PEER = "scim2-server"
CEILING = "bare Flask"
# bench/floor_app.py: creates with the gateway's statements and nothing of its own around them.
FLOOR = "durable floor (sqlite)"
# The floor with BENCH_FLOOR_STATEMENTS=none: validation, the dump and the stack, no writes.
UNWRITTEN = "floor, no statements"
# Issue 13's targets, on each database at each size: reported, never enforced.
CREATES_VS_PEER = 1.0
LOOKUPS_VS_PEER = 1.5
PAGE_CPU_MS = 15.0


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


def gateway(kind: str) -> str:
    """Return the server name the gateway on one database is reported under."""
    return f"gateway ({kind})"


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
            name = gateway(kind)
            line: dict[str, Any] = {"users": users, "database": kind}
            for operation in (CREATES, LOOKUPS):
                ours = _rps(rows, name, users, operation)
                peer = _rps(rows, PEER, users, operation)
                ceiling = _rps(rows, CEILING, users, operation)
                line[operation] = {
                    "cpu_ms": _cpu(rows, name, users, operation),
                    "peer_cpu_ms": _cpu(rows, PEER, users, operation),
                    "gateway": ours,
                    "peer": peer,
                    "ceiling": ceiling,
                    "vs_peer": ratio(ours, peer),
                    "vs_ceiling": ratio(ours, ceiling),
                }
            floor = _rps(rows, FLOOR, users, CREATES)
            unwritten = _rps(rows, UNWRITTEN, users, CREATES)
            line[CREATES] |= {
                "unwritten": unwritten,
                "unwritten_cpu_ms": _cpu(rows, UNWRITTEN, users, CREATES),
                "unwritten_vs_peer": ratio(unwritten, line[CREATES]["peer"]),
                "floor": floor,
                "floor_cpu_ms": _cpu(rows, FLOOR, users, CREATES),
                "floor_vs_peer": ratio(floor, line[CREATES]["peer"]),
                "vs_floor": ratio(line[CREATES]["gateway"], floor),
            }
            page = _find(rows, name, users, PAGES)
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
    """Check issue 13's targets at each size on each database; one entry per check."""
    checks = []
    for line in summary(rows, kinds):
        where = f"{line['database']}, {line['users']:,} users"
        for operation, floor in ((CREATES, CREATES_VS_PEER), (LOOKUPS, LOOKUPS_VS_PEER)):
            figures = line[operation]
            value = figures["vs_peer"]
            shown = (
                f"{figures['gateway']:.0f} / {figures['peer']:.0f} req/s = {value:.2f}x"
                if value is not None
                else ""
            )
            checks.append(
                {
                    "database": line["database"],
                    **_check(
                        f"{where}: {operation} ≥ {floor}x scim2-server",
                        value,
                        value is not None and value >= floor,
                        shown,
                    ),
                }
            )
        cpu = line["page_cpu_ms"]
        checks.append(
            {
                "database": line["database"],
                **_check(
                    f"{where}: a page of 100 < {PAGE_CPU_MS:.0f} ms server CPU",
                    cpu,
                    cpu is not None and cpu < PAGE_CPU_MS,
                    f"{cpu:.1f} ms" if cpu is not None else "",
                ),
            }
        )
    return checks


def _floor_section(rows: list[dict[str, Any]], kinds: list[str]) -> list[str]:
    found = floor_table(rows, kinds)
    if not found:
        return []
    return [
        "## Creates beside the durable floor",
        "",
        "The floor (`bench/floor_app.py`) validates the body with scim2-models, runs the "
        "gateway's own statements of an active create on the same SQLite database (the "
        "member, its seat, the usage history, two events) in one transaction, and dumps the "
        "User; nothing else. No gateway change can make creates faster than the floor. The "
        "floor without statements skips the transaction: what it adds to the floor's rate is "
        "what the writes cost.",
        "",
        *found,
        "",
    ]


def _num(value: float | None, form: str = "{:.0f}") -> str:
    return "—" if value is None or math.isnan(value) else form.format(value)


def _x(value: float | None) -> str:
    return _num(value, "{:.2f}x")


def table(rows: list[dict[str, Any]], kinds: list[str]) -> list[str]:
    """Return the Markdown rows of the side-by-side table (the README shows the same)."""
    lines = [
        "| users | database | creates/s gateway · peer · ceiling | vs peer | vs ceiling "
        "| CPU ms gateway · peer | lookups/s gateway · peer · ceiling | vs peer | vs ceiling "
        "| CPU ms gateway · peer | page of 100 CPU ms |",
        "|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for line in summary(rows, kinds):
        cells = [f"{line['users']:,}", line["database"]]
        for operation in (CREATES, LOOKUPS):
            f = line[operation]
            cells += [
                f"{_num(f['gateway'])} · {_num(f['peer'])} · {_num(f['ceiling'])}",
                _x(f["vs_peer"]),
                _x(f["vs_ceiling"]),
                f"{_num(f['cpu_ms'], '{:.1f}')} · {_num(f['peer_cpu_ms'], '{:.1f}')}",
            ]
        cells.append(_num(line["page_cpu_ms"], "{:.1f}"))
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def floor_table(rows: list[dict[str, Any]], kinds: list[str]) -> list[str]:
    """Return the Markdown rows of the creates beside the durable floor, where it ran."""
    lines = [
        "| users | creates/s: floor without statements · floor · gateway · peer "
        "| vs peer: floor without statements · floor · gateway | gateway vs floor "
        "| CPU ms: floor without statements · floor · gateway · peer |",
        "|---:|---:|---:|---:|---:|",
    ]
    # The floor runs on SQLite alone: it is set beside the gateway on SQLite.
    for line in summary(rows, [kind for kind in kinds if kind == "sqlite"]):
        f = line[CREATES]
        if f["floor"] is None:
            continue
        lines.append(
            f"| {line['users']:,} | {_num(f['unwritten'])} · {_num(f['floor'])} · "
            f"{_num(f['gateway'])} · {_num(f['peer'])} | {_x(f['unwritten_vs_peer'])} · "
            f"{_x(f['floor_vs_peer'])} · {_x(f['vs_peer'])} | {_x(f['vs_floor'])} | "
            f"{_num(f['unwritten_cpu_ms'], '{:.1f}')} · {_num(f['floor_cpu_ms'], '{:.1f}')} · "
            f"{_num(f['cpu_ms'], '{:.1f}')} · {_num(f['peer_cpu_ms'], '{:.1f}')} |"
        )
    return lines if len(lines) > 2 else []


def markdown(date: str, machine: dict[str, Any], result: dict[str, Any]) -> str:
    """Return the Markdown report of one comparison run."""
    rows = result["rows"]
    versions = result.get("versions", {})
    lines = [
        f"# The gateway beside scim2-server and bare Flask, {date}",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['os']}, Python "
        f"{machine['python']}; load average at start {machine['load_average']}. Every server "
        f"under gunicorn with {machine['workers']} sync workers, {result['clients']} clients "
        f"for {machine['seconds']} s per operation after a {machine['warmup']} s warm-up. "
        f"At each size every server is up at once and measured in turn, "
        f"{result.get('rounds', 1)} round(s); each figure below is the median over the rounds.",
        "",
        f"The peer is scim2-server {versions.get('scim2-server', '?')} in memory: its WSGI "
        "application (as its `scim2-server` command builds it, with a bearer token) under "
        f"gunicorn {versions.get('gunicorn', '?')} with `--preload`, the users seeded in the "
        "master, so each worker forks with them and keeps its own copy; creates are not "
        "durable and not shared between workers. The ceiling is a bare Flask "
        f"{versions.get('flask', '?')} app (`bench/ceiling_app.py`) answering SCIM-shaped "
        "constants. Creates are POST /Users of new active users (on the gateway each takes "
        "a seat); lookups are `userName eq` filters on seeded users, drawn at random.",
        "",
        *table(rows, result["databases"]),
        "",
        "Server CPU per request (all workers, from /proc) is the steadier figure on a shared "
        "machine: requests per second move with whatever else runs on it.",
        "",
        *_floor_section(rows, result["databases"]),
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
            f"| {_num(row['p50_ms'], '{:.1f}')} | {_num(row['p99_ms'], '{:.1f}')} "
            f"| {row['errors']} | {_num(row['server_cpu_ms_per_request'], '{:.1f}')} "
            f"| {row['client_cpu_share']:.1%} |"
        )
    errors = result.get("gateway_log_errors") or []
    lines += ["", f"Error lines in the gateway's log: {len(errors)}."]
    return "\n".join(lines) + "\n"
