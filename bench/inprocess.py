"""Time requests in process: the app's own CPU per request, without gunicorn or sockets.

`python -m bench.inprocess` seeds an SQLite file like the benchmark does, then drives the
app through Flask's test client: a lookup by userName, a GET by id, POST /Users of active
users, a page of 100, and GET /ServiceProviderConfig (nothing but the per-request layers:
guard, token, rate limit, session). It prints the median of several runs in µs per
request. `--profile OPERATION` prints cProfile's top functions for that operation instead;
`--layers` times each per-request layer alone, inside one request's context.
"""

from __future__ import annotations

import argparse
import cProfile
import json
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

from cryptography.fernet import Fernet
from flask import Flask

from scim_gateway.migrate import upgrade
from seat_core import make_engine

from .runner import SEATS
from .seed import Org, create_org, member_id, seed_members
from .users import user_body, user_name

SCIM = "/scim/v2"


def requests(org: Org, members: int) -> dict[str, Callable[[int], tuple[str, str, bytes | None]]]:
    """Return, by operation, a function of a counter that gives (method, path, body)."""

    def by_user_name(i: int) -> tuple[str, str, bytes | None]:
        text = quote(f'userName eq "{user_name(org.slug, i % members)}"')
        return "GET", f"{SCIM}/Users?filter={text}", None

    def by_id(i: int) -> tuple[str, str, bytes | None]:
        return "GET", f"{SCIM}/Users/{member_id(org.slug, i % members)}", None

    def create(i: int) -> tuple[str, str, bytes | None]:
        name = f"inproc-{os.getpid()}-{time.monotonic_ns()}-{i}@{org.slug}.bench.example"
        return "POST", f"{SCIM}/Users", user_body(name, f"ext-{name}", active=True)

    def page(i: int) -> tuple[str, str, bytes | None]:
        start = 1 + (i * 7) % max(1, min(members, 1000) - 100 + 1)
        return "GET", f"{SCIM}/Users?startIndex={start}&count=100", None

    def config(i: int) -> tuple[str, str, bytes | None]:
        return "GET", f"{SCIM}/ServiceProviderConfig", None

    return {
        "GET userName": by_user_name,
        "GET id": by_id,
        "POST active": create,
        "GET page of 100": page,
        "GET ServiceProviderConfig": config,
    }


def time_layers(body: bytes, runs: int) -> list[tuple[str, float]]:
    """Return the median µs of each per-request layer, run alone in the current request."""
    from sqlalchemy import text

    from scim_gateway import guard, ratelimit
    from scim_gateway.db import read_only, transaction
    from scim_gateway.jsonbody import decode
    from scim_gateway.scim import auth

    def read() -> None:
        with read_only() as session:
            session.execute(text("SELECT 1"))

    def write() -> None:
        with transaction() as session:
            session.execute(text("SELECT 1"))

    layers = {
        "guard (URL of a userName lookup)": guard.check_request,
        "SCIM token and rate limit": auth.authenticate,
        "rate limit alone": lambda: ratelimit.hit("1000000/second", "scim", "1"),
        "SCIM base URL": auth.base_url,
        "JSON body of a create": lambda: decode(body),
        "read session, SELECT 1": read,
        "write transaction, SELECT 1": write,
    }
    return [(name, median_us(layer, runs, 2000)) for name, layer in layers.items()]


def median_us(layer: Callable[[], object], runs: int, number: int) -> float:
    """Return the median over runs of the µs one call of layer takes."""
    layer()
    samples = []
    for _ in range(max(3, runs)):
        started = time.perf_counter()
        for _ in range(number):
            layer()
        samples.append((time.perf_counter() - started) / number * 1e6)
    return statistics.median(samples)


def in_process_app(url: str) -> Flask:
    """Return the app on that database, configured for timing (no rate limit, quiet logs)."""
    os.environ.update(
        {
            "SCIM_GATEWAY_DATABASE_URL": url,
            "SCIM_GATEWAY_SECRET_KEY": Fernet.generate_key().decode(),
            "SCIM_GATEWAY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
            "SCIM_GATEWAY_SCIM_RATE_LIMIT": "1000000/second",
            "SCIM_GATEWAY_LOG_LEVEL": "WARNING",
        }
    )
    from scim_gateway import create_app

    return create_app()


def scim_headers(org: Org) -> dict[str, str]:
    """Return the headers of a SCIM request with the organization's token."""
    return {
        "Authorization": f"Bearer {org.scim_token}",
        "Content-Type": "application/scim+json",
        "Accept": "application/scim+json",
    }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.inprocess", description=__doc__)
    parser.add_argument("--members", type=int, default=2000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--requests", type=int, default=300, help="per run (page: a tenth)")
    parser.add_argument("--only", action="append", help="an operation, repeatable")
    parser.add_argument("--profile", help="profile this operation with cProfile instead")
    parser.add_argument("--top", type=int, default=40)
    parser.add_argument("--layers", action="store_true", help="time each layer alone")
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as directory:
        url = f"sqlite:///{Path(directory) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        org = create_org(engine, "inproc", seats=SEATS)
        seed_members(engine, org, 0, args.members)
        engine.dispose()
        app = in_process_app(url)
        client = app.test_client()
        headers = scim_headers(org)
        counter = iter(range(10**9))

        def call(make: Callable[[int], tuple[str, str, bytes | None]]) -> None:
            method, path, body = make(next(counter))
            response = client.open(path, method=method, data=body, headers=headers)
            if response.status_code >= 300:
                raise SystemExit(f"{method} {path}: {response.status_code} {response.data!r}")

        made = requests(org, args.members)
        if args.layers:
            lookup = made["GET userName"](0)[1]
            body = made["POST active"](0)[2]
            with app.test_request_context(lookup, headers=headers):
                for name, microseconds in time_layers(body or b"", args.runs):
                    print(f"{name:34} {microseconds:8.1f} µs")
            # Werkzeug caches what a request computes: these need a new request each time.
            from scim_gateway import guard
            from scim_gateway.scim import auth

            def fresh(layer: Callable[[], object]) -> Callable[[], None]:
                def run() -> None:
                    with app.test_request_context(lookup, headers=headers):
                        layer()

                return run

            empty, checked, based = (
                median_us(fresh(layer), args.runs, 500)
                for layer in (lambda: None, guard.check_request, auth.base_url)
            )
            print(f"{'guard, new request':34} {checked - empty:8.1f} µs")
            print(f"{'SCIM base URL, new request':34} {based - empty:8.1f} µs")
            return 0
        if args.profile:
            make = made[args.profile]
            for _ in range(50):
                call(make)
            profiler = cProfile.Profile()
            profiler.enable()
            for _ in range(args.requests):
                call(make)
            profiler.disable()
            stats = pstats.Stats(profiler).sort_stats("cumulative")
            stats.print_stats(args.top)
            stats.sort_stats("tottime").print_stats(args.top)
            return 0
        results = {}
        for name, make in made.items():
            if args.only and name not in args.only:
                continue
            count = max(10, args.requests // 10) if "page" in name else args.requests
            for _ in range(max(10, count // 5)):
                call(make)  # warm-up: caches, prepared statements, the page cache
            runs = []
            for _ in range(args.runs):
                started = time.process_time()
                for _ in range(count):
                    call(make)
                runs.append((time.process_time() - started) / count * 1e6)
            results[name] = {"median_us": round(statistics.median(runs)), "runs_us": runs}
            print(
                f"{name:28} {statistics.median(runs):8.0f} µs  (runs: "
                + ", ".join(f"{r:.0f}" for r in runs)
                + ")"
            )
        print(json.dumps({k: v["median_us"] for k, v in results.items()}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
