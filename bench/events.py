"""The event log's cost on POST /Users, in process: creates with and without its writes.

`python -m bench.events` seeds a database like bench/inprocess.py does, then sends POST
/Users of active users through Flask's test client, in alternating batches: with the event
log, and with seat_core.events.record and record_pair replaced by functions that do
nothing. A create logs member.created and seat.taken; on SQLite both by one prepared
INSERT, on PostgreSQL both ride in the take's own statement, which stays (so there the
figure is near nothing: what is left of the log is inside that statement). Each request's
CPU time (of this process: the app and, on SQLite, the database) is taken alone, so that
the machine's other work does not count; the report is the p50 of each mode, their
difference, and a 95 % bootstrap interval of it. The modes alternate request by request,
so that a drift of the machine's speed or of the database's size weighs on both alike.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import seat_core.events
from seat_core import make_engine

from .databases import database
from .inprocess import in_process_app, scim_headers
from .runner import SEATS
from .seed import create_org, seed_members
from .users import user_body

TARGET_MS = 0.3


@contextmanager
def without_event_log() -> Iterator[None]:
    """Make every event the core records a no-op for the block."""
    record, pair = seat_core.events.record, seat_core.events.record_pair
    seat_core.events.record = lambda *args, **kwargs: None  # type: ignore[assignment]
    seat_core.events.record_pair = lambda *args, **kwargs: None  # type: ignore[assignment]
    try:
        yield
    finally:
        seat_core.events.record, seat_core.events.record_pair = record, pair


def measure(kind: str, *, members: int, requests: int) -> dict[str, object]:
    """Return the p50s of creates with and without the event log on one database kind."""
    with tempfile.TemporaryDirectory() as directory, database(kind, Path(directory)) as url:
        engine = make_engine(url)
        org = create_org(engine, "events", seats=SEATS)
        seed_members(engine, org, 0, members)
        engine.dispose()
        app = in_process_app(url)
        client = app.test_client()
        headers = scim_headers(org)
        counter = iter(range(10**9))

        def create() -> float:
            name = f"events-{os.getpid()}-{next(counter)}@{org.slug}.bench.example"
            body = user_body(name, f"ext-{name}", active=True)
            started = time.process_time()
            response = client.post("/scim/v2/Users", data=body, headers=headers)
            elapsed = time.process_time() - started
            if response.status_code != 201:
                raise SystemExit(f"POST /Users: {response.status_code} {response.data!r}")
            return elapsed * 1000

        for _ in range(100):
            create()  # warm-up: prepared statements, caches
        logged: list[float] = []
        unlogged: list[float] = []
        for _ in range(requests):
            logged.append(create())
            with without_event_log():
                unlogged.append(create())
        app.extensions["db"].dispose()
    cost = statistics.median(logged) - statistics.median(unlogged)
    low, high = bootstrap(logged, unlogged)
    return {
        "database": kind,
        "members": members,
        "requests_each": len(logged),
        "p50_with_ms": round(statistics.median(logged), 3),
        "p50_without_ms": round(statistics.median(unlogged), 3),
        "cost_p50_ms": round(cost, 3),
        "cost_95_interval_ms": [round(low, 3), round(high, 3)],
        "passed": cost < TARGET_MS,
    }


def bootstrap(a: list[float], b: list[float], draws: int = 500) -> tuple[float, float]:
    """Return a 95 % bootstrap interval of median(a) - median(b)."""
    pick = random.Random(7)
    differences = sorted(
        statistics.median(pick.choices(a, k=len(a))) - statistics.median(pick.choices(b, k=len(b)))
        for _ in range(draws)
    )
    return differences[int(draws * 0.025)], differences[int(draws * 0.975) - 1]


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.events", description=__doc__)
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--requests", type=int, default=1000, help="creates in each mode")
    args = parser.parse_args(argv)
    results = []
    for kind in args.databases.split(","):
        result = measure(kind, members=args.members, requests=args.requests)
        results.append(result)
        low, high = result["cost_95_interval_ms"]  # type: ignore[misc]
        print(
            f"{kind:10} POST /Users p50 {result['p50_with_ms']:.3f} ms with the event log, "
            f"{result['p50_without_ms']:.3f} ms without: it costs {result['cost_p50_ms']:.3f} ms "
            f"(95 % {low:.3f} to {high:.3f}); "
            f"{'PASS' if result['passed'] else 'FAIL'} under {TARGET_MS} ms"
        )
    print(json.dumps(results))
    return 0 if all(result["passed"] for result in results) else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
