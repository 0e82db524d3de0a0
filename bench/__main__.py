"""Run the benchmarks: `python -m bench [--databases sqlite,postgresql] [--seconds 5]`.

Then the gateway beside django-scim2, its floor, scim2-server and bare Flask
(`--peer-only` for that alone), and the event log's cost on POST /Users in process
(`python -m bench.events` alone).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from . import events, peer
from .report import targets, write
from .runner import Settings, run_database

RESULTS = Path(__file__).resolve().parent / "results"


def machine(settings: Settings) -> dict[str, Any]:
    """Describe the machine and the run's settings for the report."""
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.partition(":")[2].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory, 1),
        "os": f"{platform.system()} {platform.release()}",
        "python": platform.python_version(),
        "load_average": " ".join(f"{value:.2f}" for value in os.getloadavg()),
        "workers": settings.workers,
        "clients": settings.clients,
        "seconds": settings.seconds,
        "gate_seconds": settings.gate_seconds,
        "warmup": settings.warmup,
        "rate_limit": settings.rate_limit,
    }


def parse(argv: list[str]) -> tuple[list[str], Settings, Path, peer.PeerSettings | None, bool]:
    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    # pgbouncer: PostgreSQL through a PgBouncer in transaction mode, beside it direct.
    parser.add_argument("--databases", default="sqlite,postgresql,pgbouncer")
    parser.add_argument("--sizes", default="1000,100000", help="members, comma-separated")
    parser.add_argument("--seconds", type=float, default=5.0, help="measured per operation")
    parser.add_argument("--gate-seconds", type=float, default=30.0, help="measured for POST /Users")
    parser.add_argument("--warmup", type=float, default=1.0, help="unmeasured, before each")
    # Two sync workers per core, as the README deploys the gateway.
    parser.add_argument("--workers", type=int, default=2 * cores)
    parser.add_argument("--clients", type=int, default=2 * cores)
    parser.add_argument("--sync-users", type=int, default=10_000)
    parser.add_argument("--sync-clients", type=int, default=16)
    parser.add_argument("--sync-timeout", type=float, default=120.0)
    parser.add_argument("--race-activations", type=int, default=500)
    parser.add_argument("--race-seats", type=int, default=100)
    parser.add_argument("--rate-limit", default="1000/second")
    parser.add_argument("--out", type=Path, default=RESULTS)
    parser.add_argument("--only", default="", help="operations to measure, comma-separated")
    parser.add_argument("--no-scenarios", action="store_true", help="skip sync and race")
    parser.add_argument("--peer-only", action="store_true", help="only the peer comparison")
    parser.add_argument("--no-peer", action="store_true", help="skip the peer comparison")
    parser.add_argument("--peer-sizes", default="2000,50000", help="users, comma-separated")
    parser.add_argument("--peer-clients", type=int, default=8)
    parser.add_argument("--peer-rounds", type=int, default=3, help="each server, in turn")
    args = parser.parse_args(argv)
    settings = Settings(
        sizes=tuple(int(size) for size in args.sizes.split(",")),
        seconds=args.seconds,
        gate_seconds=args.gate_seconds,
        warmup=args.warmup,
        workers=args.workers,
        clients=args.clients,
        sync_users=args.sync_users,
        sync_clients=args.sync_clients,
        sync_timeout=args.sync_timeout,
        race_activations=args.race_activations,
        race_seats=args.race_seats,
        rate_limit=args.rate_limit,
        only=tuple(name for name in args.only.split(",") if name),
        scenarios=not args.no_scenarios,
    )
    comparison = None
    if not args.no_peer:
        comparison = peer.PeerSettings(
            sizes=tuple(int(size) for size in args.peer_sizes.split(",")),
            clients=args.peer_clients,
            rounds=args.peer_rounds,
            pooled="pgbouncer" in args.databases.split(","),
        )
    return args.databases.split(","), settings, args.out, comparison, not args.peer_only


def main(argv: list[str]) -> int:
    kinds, settings, out, comparison, main_run = parse(argv)
    started = time.monotonic()
    date = datetime.now(UTC).date().isoformat()
    about = machine(settings)
    results = []
    compared: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="scim-gateway-bench-") as directory:
        for kind in kinds if main_run else []:
            result = run_database(kind, settings, Path(directory))
            result["targets"] = targets(result)
            results.append(result)
        # The peer comparison and the event log's cost are of the databases alone.
        direct = [kind for kind in kinds if kind != "pgbouncer"]
        if comparison is not None:
            compared = peer.run_comparison(direct, settings, comparison, Path(directory))
    # The event log's cost on POST /Users, in process (bench/events.py).
    logged = (
        [events.measure(kind, members=1000, requests=1000) for kind in direct] if main_run else []
    )
    about["total_seconds"] = round(time.monotonic() - started, 1)
    for path in write(out, date, about, results) if results else []:
        print(f"wrote {path}")
    if compared:
        for path in peer.write(out, date, about, compared):
            print(f"wrote {path}")
        for check in compared["targets"]:
            print(f"{'PASS' if check['passed'] else 'FAIL'} {check['target']}: {check['value']}")
    failed = [
        f"{result['database']}: {check['target']}"
        for result in results
        for check in result["targets"]
        if not check["passed"]
    ]
    for result in logged:
        verdict = "PASS" if result["passed"] else "FAIL"
        cost = result["cost_p50_ms"]
        print(f"{verdict} event log on POST /Users, {result['database']}: {cost} ms at p50")
    for line in failed:
        print(f"FAIL {line}")
    print(f"benchmark took {about['total_seconds']:.0f} s")
    # The seat race is a correctness check: it fails the run. Targets are reported only.
    races = [result["seat_race"] for result in results if result["seat_race"]]
    return 0 if all(race["passed"] for race in races) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
