"""A benchmark of one database: seed, serve, measure each operation, sync, race."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet

from seat_core import make_engine

from . import client, operations
from .databases import database, pooler_of
from .measure import measure
from .plans import lookup_plans
from .seed import analyze, check_invariant, create_org, seed_members
from .servers import Server, gunicorn
from .stats import summarize

# Room for every seeded member plus whatever the POSTs create; the gate is what is measured.
SEATS = 1_000_000


@dataclass(frozen=True)
class Settings:
    """How the benchmark runs: sizes, durations, concurrency."""

    sizes: tuple[int, ...]
    seconds: float
    warmup: float
    workers: int
    clients: int
    sync_users: int
    sync_clients: int
    sync_timeout: float
    race_activations: int
    race_seats: int
    rate_limit: str
    # How long POST /Users runs: the gate is the difference of two p50s of about 20 ms
    # under load, and it takes thousands of requests to resolve it to a few tenths of a ms.
    gate_seconds: float = 30.0
    # Names of the operations to measure (all when empty), and whether to sync and race.
    only: tuple[str, ...] = ()
    scenarios: bool = True


def server_env(url: str, settings: Settings) -> dict[str, str]:
    """Return the gateway's configuration for a run."""
    return {
        "SCIM_GATEWAY_DATABASE_URL": url,
        "SCIM_GATEWAY_DATABASE_POOLER": pooler_of(url),
        "SCIM_GATEWAY_SECRET_KEY": Fernet.generate_key().decode(),
        "SCIM_GATEWAY_ENCRYPTION_KEY": Fernet.generate_key().decode(),
        # High enough never to answer 429 here, but still counted on every request.
        "SCIM_GATEWAY_SCIM_RATE_LIMIT": settings.rate_limit,
        "SCIM_GATEWAY_LOG_LEVEL": "WARNING",
    }


def log_errors(server: Server) -> list[str]:
    """Return the lines of the server's log that report an error or a traceback."""
    return [
        line[:500]
        for line in server.log_text().splitlines()
        if "Traceback" in line or '"level": "ERROR"' in line or "[ERROR]" in line
    ]


def run_database(kind: str, settings: Settings, directory: Path) -> dict[str, Any]:
    """Benchmark one database end to end and return its results."""
    with database(kind, directory) as url:
        engine = make_engine(url, pooler=pooler_of(url))
        try:
            return _run(kind, url, engine, settings)
        finally:
            engine.dispose()


def _run(kind: str, url: str, engine: Any, settings: Settings) -> dict[str, Any]:
    env = server_env(url, settings)
    app_config = {
        "SECRET_KEY": env["SCIM_GATEWAY_SECRET_KEY"],
        "ENCRYPTION_KEY": env["SCIM_GATEWAY_ENCRYPTION_KEY"],
        "SCIM_RATE_LIMIT": settings.rate_limit,
        "LOG_LEVEL": "WARNING",
        "DATABASE_POOLER": pooler_of(url),
    }
    org = create_org(engine, "bench", seats=SEATS)
    sync_org = create_org(engine, "sync", seats=settings.sync_users)
    race_org = create_org(engine, "race", seats=settings.race_seats)
    seed_members(engine, race_org, 0, settings.race_activations, all_inactive=True)
    phases: list[dict[str, Any]] = []
    seeded = 0
    sync: dict[str, Any] = {}
    race: dict[str, Any] = {}
    for position, size in enumerate(settings.sizes):
        started = time.monotonic()
        seed_members(engine, org, seeded, size)
        analyze(engine)
        seed_seconds = time.monotonic() - started
        print(f"[{kind}] seeded {size:,} members in {seed_seconds:.1f}s", flush=True)
        seeded = size
        counts = check_invariant(engine, org)
        plans = lookup_plans(url, org, app_config, index=size // 2)
        with gunicorn(env, settings.workers) as server:
            last = position == len(settings.sizes) - 1
            rows = _operations(kind, server, org, size, settings, tag=f"p{position}", last=last)
            rss = server.rss_mib()
            if settings.scenarios and last:
                sync = initial_sync(kind, server, sync_org, settings)
                race = seat_race(kind, server, race_org, settings)
            errors = log_errors(server)
        phases.append(
            {
                "members": counts["members"],
                "seed_seconds": round(seed_seconds, 2),
                "operations": rows,
                "rss_mib_per_worker": [round(size, 1) for size in rss],
                "plans": plans,
                "server_log_errors": errors[:20],
                "server_log_error_count": len(errors),
            }
        )
    if race:
        race["invariant"] = check_invariant(engine, race_org)
        race["passed"] = race["succeeded"] == settings.race_seats and race["other"] == 0
    if sync:
        sync["invariant"] = check_invariant(engine, sync_org)
    return {
        "database": kind,
        "server_version": _server_version(engine),
        "phases": phases,
        "initial_sync": sync,
        "seat_race": race,
        "invariants": {"bench": check_invariant(engine, org)},
    }


def _operations(
    kind: str, server: Server, org: Any, members: int, settings: Settings, *, tag: str, last: bool
) -> list[dict[str, Any]]:
    # Reads first, so that they see exactly the seeded members; writes add to them after.
    measured = [
        *operations.lookups(org, members),
        operations.sign_ins(org, members),
        operations.deactivations(org, members),
        operations.creations(org, tag),
    ]
    if settings.only:
        measured = [operation for operation in measured if operation.name in settings.only]
    gate = settings.gate_seconds
    runs = [
        (
            operation,
            settings.clients,
            "",
            gate if operation.name == "POST /Users" else settings.seconds,
        )
        for operation in measured
    ]
    if last and any(operation.name == "POST /Users" for operation in measured):
        # The gate once more from a single client: its own cost, without the CPU contention
        # of more clients than cores (and with less noise: a third of the time will do).
        # Reported beside the target, which is checked above.
        runs.append((operations.creations(org, f"{tag}-alone"), 1, ", 1 client", gate / 3))
    rows = []
    for operation, clients, suffix, seconds in runs:
        for row in measure(
            server,
            operation,
            clients=clients,
            seconds=seconds,
            warmup=settings.warmup,
        ):
            row["operation"] += suffix
            rows.append(row)
            print(
                f"[{kind} {members:,}] {row['operation']:<18} {row['rps']:7.1f} req/s  "
                f"p50 {row['p50_ms']:7.1f} ms  p99 {row['p99_ms']:7.1f} ms  "
                f"errors {row['errors']}",
                flush=True,
            )
    return rows


def initial_sync(kind: str, server: Server, org: Any, settings: Settings) -> dict[str, Any]:
    """Create sync_users active users from sync_clients clients, as fast as they answer."""
    operation = operations.initial_sync(org, settings.sync_users)
    result = client.run(
        server.base_url,
        operation.headers,
        operation.plan,
        clients=settings.sync_clients,
        seconds=settings.sync_timeout,
    )
    outcome = result.labels.get("initial sync POST", client.LabelResult())
    summary = summarize(outcome.latencies, outcome.errors, result.seconds)
    created = len(outcome.latencies)
    report = {
        "users": settings.sync_users,
        "clients": settings.sync_clients,
        "created": created,
        "errors": outcome.errors,
        "error_samples": outcome.samples,
        "completed": result.exhausted and created == settings.sync_users,
        "seconds": round(result.seconds, 2),
        "users_per_second": round(created / result.seconds, 1) if result.seconds else 0.0,
        "p50_ms": summary.p50_ms,
        "p99_ms": summary.p99_ms,
        "client_cpu_seconds": round(result.client_cpu_seconds, 2),
    }
    print(
        f"[{kind}] initial sync: {created:,} of {settings.sync_users:,} users in "
        f"{result.seconds:.1f}s ({report['users_per_second']} users/s), "
        f"errors {outcome.errors}",
        flush=True,
    )
    return report


def seat_race(kind: str, server: Server, org: Any, settings: Settings) -> dict[str, Any]:
    """Activate race_activations inactive members at once against race_seats free seats."""
    requests = operations.activations(org, settings.race_activations)
    statuses, seconds = client.burst(server.base_url, operations.scim_headers(org), requests)
    succeeded = statuses.count(200)
    refused = statuses.count(403)
    report = {
        "activations": settings.race_activations,
        "seats": settings.race_seats,
        "succeeded": succeeded,
        "refused": refused,
        "other": len(statuses) - succeeded - refused,
        "other_statuses": sorted({s for s in statuses if s not in (200, 403)}),
        "settle_seconds": round(seconds, 2),
    }
    print(
        f"[{kind}] seat race: {succeeded} of {settings.race_activations} activations got one "
        f"of {settings.race_seats} seats, {refused} refused, settled in {seconds:.2f}s",
        flush=True,
    )
    return report


def _server_version(engine: Any) -> str:
    with engine.connect() as connection:
        if engine.dialect.name == "sqlite":
            return "SQLite " + str(connection.exec_driver_sql("select sqlite_version()").scalar())
        return str(connection.exec_driver_sql("show server_version").scalar()).join(
            ("PostgreSQL ", "")
        )
