"""The benchmark's report: targets checked PASS/FAIL, JSON per database, a Markdown table."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

LOOKUPS = ("GET userName", "GET externalId", "GET id")
LOOKUP_RATIO = 1.5
GATE_MS = 1.0
RSS_GROWTH = 0.10
# Statuses the seat race expects (200 seat taken, 403 refused) are not errors.


def _rows(phase: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["operation"]: row for row in phase["operations"]}


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else math.nan


def targets(result: dict[str, Any]) -> list[dict[str, Any]]:
    """Check one database's results against the targets; return one entry per check."""
    checks: list[dict[str, Any]] = []
    phases = result["phases"]
    small, large = phases[0], phases[-1]
    sizes = f"{large['members']:,} vs {small['members']:,} members"
    for label in LOOKUPS:
        before, after = _rows(small).get(label), _rows(large).get(label)
        if before is None or after is None:
            continue
        ratio = after["p50_ms"] / before["p50_ms"] if before["p50_ms"] else math.inf
        checks.append(
            {
                "target": f"{label} p50 at {sizes} within {LOOKUP_RATIO}x",
                "value": f"{after['p50_ms']:.2f} / {before['p50_ms']:.2f} ms = {ratio:.2f}x",
                "passed": ratio <= LOOKUP_RATIO,
            }
        )
    for phase in phases:
        rows = _rows(phase)
        if "POST active" in rows and "POST inactive" in rows:
            gate = rows["POST active"]["p50_ms"] - rows["POST inactive"]["p50_ms"]
            interval = rows["POST active"].get("gate_interval_ms")
            within = f", 95% interval {interval[0]:+.2f} to {interval[1]:+.2f}" if interval else ""
            checks.append(
                {
                    "target": f"seat gate at {phase['members']:,} members adds < {GATE_MS} ms p50",
                    "value": f"{gate:+.2f} ms (active {rows['POST active']['p50_ms']:.2f}, "
                    f"inactive {rows['POST inactive']['p50_ms']:.2f}{within})",
                    "passed": gate < GATE_MS,
                }
            )
    errors = sum(row["errors"] for phase in phases for row in phase["operations"])
    log_errors = sum(phase["server_log_error_count"] for phase in phases)
    sync = result.get("initial_sync") or {}
    errors += sync.get("errors", 0)
    checks.append(
        {
            "target": "no errors under load (responses and server log)",
            "value": f"{errors} failed responses, {log_errors} error lines in the server log",
            "passed": errors == 0 and log_errors == 0,
        }
    )
    rss_small = _mean(small["rss_mib_per_worker"])
    rss_large = _mean(large["rss_mib_per_worker"])
    growth = rss_large / rss_small - 1 if rss_small else math.inf
    checks.append(
        {
            "target": f"memory per worker flat ({sizes}, within {RSS_GROWTH:.0%})",
            "value": f"{rss_large:.1f} / {rss_small:.1f} MiB ({growth:+.1%})",
            "passed": growth <= RSS_GROWTH,
        }
    )
    if sync:
        checks.append(
            {
                "target": f"initial sync creates all {sync['users']:,} users without error",
                "value": f"{sync['created']:,} in {sync['seconds']} s "
                f"({sync['users_per_second']} users/s)",
                "passed": bool(sync["completed"]) and sync["errors"] == 0,
            }
        )
    race = result.get("seat_race") or {}
    if race:
        checks.append(
            {
                "target": f"seat race: exactly {race['seats']} of {race['activations']} "
                "activations succeed",
                "value": f"{race['succeeded']} succeeded, {race['refused']} refused, "
                f"{race['other']} other; seats used {race['invariant']['seats_used']}",
                "passed": bool(race["passed"]),
            }
        )
    return checks


def _ms(value: float | None) -> str:
    return "—" if value is None or math.isnan(value) else f"{value:.1f}"


def markdown(date: str, machine: dict[str, Any], results: list[dict[str, Any]]) -> str:
    """Return the Markdown report of a run over one or more databases."""
    lines = [
        f"# Benchmark {date}",
        "",
        f"Machine: {machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"{machine['os']}, Python {machine['python']}. gunicorn {machine['workers']} sync "
        f"workers; {machine['clients']} concurrent clients for {machine['seconds']} s per "
        f"operation ({machine.get('gate_seconds', machine['seconds'])} s for POST /Users) "
        f"after a {machine['warmup']} s warm-up; load average at start "
        f"{machine['load_average']}.",
        "",
        "| database | members | operation | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| server CPU ms/req | RSS/worker MiB | own/worker MiB | load gen CPU |",
        "|---|---:|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in results:
        for phase in result["phases"]:
            for row in phase["operations"]:
                rss = row["rss_mib_per_worker"]
                # Not shared with the master since the fork (older results lack it).
                own = row.get("own_mib_per_worker") or []
                lines.append(
                    f"| {result['database']} | {phase['members']:,} | {row['operation']} "
                    f"| {row['rps']:.1f} | {_ms(row['p50_ms'])} | {_ms(row['p95_ms'])} "
                    f"| {_ms(row['p99_ms'])} | {row['errors']} "
                    f"| {_ms(row['server_cpu_ms_per_request'])} "
                    f"| {_ms(max(rss) if rss else None)} | {_ms(max(own) if own else None)} "
                    f"| {row['client_cpu_share']:.1%} |"
                )
    lines += [
        "",
        "| database | initial sync | users/s | p50 ms | p99 ms | errors | seat race | settle s |",
        "|---|---|---:|---:|---:|---:|---|---:|",
    ]
    for result in results:
        sync, race = result.get("initial_sync") or {}, result.get("seat_race") or {}
        if not sync or not race:
            continue
        lines.append(
            f"| {result['database']} | {sync['created']:,} of {sync['users']:,} users from "
            f"{sync['clients']} clients in {sync['seconds']} s | {sync['users_per_second']} "
            f"| {_ms(sync['p50_ms'])} | {_ms(sync['p99_ms'])} | {sync['errors']} "
            f"| {race['succeeded']} of {race['activations']} got one of {race['seats']} seats "
            f"| {race['settle_seconds']} |"
        )
    lines += ["", "## Targets", "", "| database | target | measured | result |"]
    lines.append("|---|---|---|---|")
    for result in results:
        for check in result["targets"]:
            verdict = "PASS" if check["passed"] else "**FAIL**"
            lines.append(
                f"| {result['database']} | {check['target']} | {check['value']} | {verdict} |"
            )
    for result in results:
        for phase in result["phases"]:
            rows = _rows(phase)
            alone = rows.get("POST active, 1 client"), rows.get("POST inactive, 1 client")
            if alone[0] and alone[1]:
                interval = alone[0].get("gate_interval_ms") or [math.nan, math.nan]
                lines.append(
                    f"\nSeat gate from a single client, {result['database']} at "
                    f"{phase['members']:,} members (not a target: its cost without CPU "
                    f"contention): {alone[0]['p50_ms'] - alone[1]['p50_ms']:+.2f} ms (active "
                    f"{alone[0]['p50_ms']:.2f}, inactive {alone[1]['p50_ms']:.2f}, 95% interval "
                    f"{interval[0]:+.2f} to {interval[1]:+.2f})."
                )
    lines += ["", "## Query plans", ""]
    for result in results:
        phase = result["phases"][-1]
        lines.append(f"### {result['database']} at {phase['members']:,} members")
        lines.append("")
        for label, entry in phase["plans"].items():
            lines.append(f"{label} (HTTP {entry['status']}):")
            lines.append("")
            lines.append("```")
            for statement in entry["statements"]:
                mark = "-- reads every member of the organization: " if statement["scan"] else ""
                lines.append(mark + statement["sql"])
                lines.extend(f"    {line}" for line in statement["plan"])
            lines.append("```")
            lines.append("")
    return "\n".join(lines) + "\n"


def write(
    directory: Path, date: str, machine: dict[str, Any], results: list[dict[str, Any]]
) -> list[Path]:
    """Write one JSON file per database and the Markdown table; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for result in results:
        path = directory / f"{date}-{result['database']}.json"
        document = {"date": date, "machine": machine, **result}
        path.write_text(json.dumps(document, indent=2, default=str) + "\n")
        paths.append(path)
    table = directory / f"{date}.md"
    table.write_text(markdown(date, machine, results))
    paths.append(table)
    return paths
