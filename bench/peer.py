"""The gateway beside its durable peer, its floor and two reference lines.

Every server runs under the same gunicorn and is driven by the same load generator, one
after the other at each size: the gateway (`wsgi:app`) on each database; the durable peer,
django-scim2 (`bench/django_peer/`), on each database too; the durable floor
(`bench.floor_app`) on each database too, the gateway's own statements with no layer of
its own around them, and once the floor without its statements, which weighs the writes
against validation and the stack; on PostgreSQL, when PgBouncer is among the databases,
the gateway through a PgBouncer in transaction mode and, to tell its two costs apart,
straight to PostgreSQL with the pooler's setting (nothing prepared); then scim2-server in
memory (`bench.peer_app`) and a bare Flask app answering constants (`bench.ceiling_app`). Each
is measured on creates of active users and on lookups by `userName eq` of seeded users;
the gateway also on a page of 100, whose server CPU per request is a target.

The servers are started by the functions of STARTERS, in order: a new line in the table
is a new function there.
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote

from seat_core import make_engine
from tests.support.pgbouncer import start_pgbouncer, through

from .client import Request
from .databases import POOLED as POOLED_URLS
from .databases import POSTGRES_ADMIN_URL, database
from .measure import measure
from .operations import CREATED, PAGE, SCIM, Operation, scim_headers
from .peer_report import (
    CEILING,
    CREATES,
    LOOKUPS,
    PAGES,
    PEER,
    UNWRITTEN,
    combined,
    durable,
    floor,
    gateway,
    markdown,
    peer_targets,
)
from .pooler_report import POOLED, UNPREPARED, pooler_section, pooler_targets
from .runner import SEATS, Settings, log_errors, server_env
from .seed import Org, analyze, create_org, seed_members, user_name
from .servers import REPO_ROOT, Server, gunicorn
from .users import user_body

PEER_APP = "bench.peer_app:app"
CEILING_APP = "bench.ceiling_app:app"
FLOOR_APP = "bench.floor_app:app"
DJANGO_APP = "bench.django_peer.wsgi:app"


@dataclass(frozen=True)
class PeerSettings:
    """How the comparison runs: organization sizes and concurrent clients."""

    sizes: tuple[int, ...] = (2_000, 50_000)
    clients: int = 8
    # Each server measured this many times at each size, in turn; the report takes medians.
    rounds: int = 3
    # Also the gateway on PostgreSQL through a PgBouncer in transaction mode, and straight
    # to it preparing nothing, as the pooler setting has it.
    pooled: bool = False


def lookups(org: Org, members: int, *, checked: bool = True) -> Operation:
    """Return lookups by `userName eq` of members drawn at random among the seeded ones.

    Checked, an answer counts only if it holds exactly the user looked up.
    """

    def plan(index: int, clients: int) -> Iterator[Request]:
        rng = random.Random(index)
        while True:
            name = user_name(org.slug, rng.randrange(members))
            text = quote(f'userName eq "{name}"')
            path = f"{SCIM}/Users?filter={text}"
            yield Request(LOOKUPS, "GET", path, finds=f'"{name}"'.encode() if checked else None)

    return Operation(LOOKUPS, (LOOKUPS,), scim_headers(org), plan)


def creates(org: Org, tag: str) -> Operation:
    """Return POST /Users of new active users, each name used once."""

    def plan(index: int, clients: int) -> Iterator[Request]:
        sequence = 0
        while True:
            name = f"{tag}-{index}-{sequence}@{org.slug}.bench.example"
            body = user_body(name, f"ext-{tag}-{index}-{sequence}", active=True)
            yield Request(CREATES, "POST", f"{SCIM}/Users", body, CREATED)
            sequence += 1

    return Operation(CREATES, (CREATES,), scim_headers(org), plan)


def pages(org: Org, members: int) -> Operation:
    """Return GETs of a page of 100 users at start indexes spread over the first thousand."""

    def plan(index: int, clients: int) -> Iterator[Request]:
        rng = random.Random(index)
        while True:
            start = 1 + rng.randrange(max(1, min(members, 1000) - PAGE + 1))
            yield Request(PAGES, "GET", f"{SCIM}/Users?startIndex={start}&count={PAGE}")

    return Operation(PAGES, (PAGES,), scim_headers(org), plan)


def _measure(
    server: Server,
    name: str,
    users: int,
    measured: list[Operation],
    settings: Settings,
    clients: int,
) -> list[dict[str, Any]]:
    rows = []
    for operation in measured:
        for row in measure(
            server, operation, clients=clients, seconds=settings.seconds, warmup=settings.warmup
        ):
            rows.append({"server": name, "users": users, **row})
            print(
                f"[peer {users:,}] {name:<22} {row['operation']:<20} {row['rps']:7.1f} req/s  "
                f"p50 {row['p50_ms']:6.1f} ms  CPU {row['server_cpu_ms_per_request'] or 0:5.1f} "
                f"ms/req  errors {row['errors']}",
                flush=True,
            )
    return rows


@dataclass(frozen=True)
class Database:
    """One database the comparison runs on: the gateway's, seeded, and the durable peer's."""

    kind: str
    url: str
    engine: Any
    org: Org
    # The django-scim2 peer's own database, of the same kind.
    peer_url: str
    # The gateway's database through PgBouncer in transaction mode, where it is measured.
    pooled_url: str | None = None


def run_comparison(
    kinds: list[str], settings: Settings, peer: PeerSettings, directory: Path
) -> dict[str, Any]:
    """Measure the gateway, its durable peer and floor, and the reference lines, at each size.

    At each size every server is started, then each is measured in turn, round after round:
    a drift of the machine's speed then touches every server alike, and the report gives
    each figure's median over the rounds.
    """
    rows: list[dict[str, Any]] = []
    log_lines: list[str] = []
    with ExitStack() as stack:
        databases = []
        for kind in kinds:
            url = stack.enter_context(database(kind, directory))
            engine = make_engine(url)
            stack.callback(engine.dispose)
            org = create_org(engine, "bench", seats=SEATS)
            peer_url = stack.enter_context(database(kind, directory, migrate=False))
            pooled_url = None
            if peer.pooled and kind == "postgresql":
                pooled_url = through(url, stack.enter_context(start_pgbouncer(POSTGRES_ADMIN_URL)))
                POOLED_URLS.add(pooled_url)
            databases.append(Database(kind, url, engine, org, peer_url, pooled_url))
        seeded = 0
        for size in peer.sizes:
            for each in databases:
                seed_members(each.engine, each.org, seeded, size)
                analyze(each.engine)
                seed_django(each, seeded, size)
            seeded = size
            with ExitStack() as running:
                servers = [
                    started
                    for starter in STARTERS
                    for started in starter(running, databases, size, settings)
                ]
                for turn in range(peer.rounds):
                    for name, server, operations in servers:
                        for row in _measure(
                            server, name, size, operations(turn), settings, peer.clients
                        ):
                            rows.append({**row, "round": turn + 1})
                for name, server, _ in servers:
                    if name.startswith("gateway"):
                        log_lines += log_errors(server)
    medians = combined(rows)
    names = ("django-scim2", "django", "scim2-server", "gunicorn", "flask", "psycopg")
    return {
        "sizes": list(peer.sizes),
        "clients": peer.clients,
        "rounds": peer.rounds,
        "databases": kinds,
        "versions": {name: version(name) for name in names},
        "rows": medians,
        "measurements": rows,
        "gateway_log_errors": log_lines[:20],
        "targets": peer_targets(medians, kinds) + pooler_targets(medians),
    }


Operations = Callable[[int], list[Operation]]
Started = tuple[str, Server, Operations]
# Starts servers at a size, for the run's databases; returns each with its operations.
Starter = Callable[[ExitStack, list[Database], int, Settings], list[Started]]


def _django_url(url: str) -> str:
    """Return a database URL as the Django peer's settings read it (no driver name)."""
    return url.replace("postgresql+psycopg://", "postgresql://", 1)


def seed_django(db: Database, start: int, stop: int) -> None:
    """Migrate the durable peer's database and add its users start..stop-1, as the gateway's."""
    env = {**os.environ, "BENCH_DJANGO_DATABASE": _django_url(db.peer_url)}
    subprocess.run(
        [sys.executable, "-m", "bench.django_peer.seed", db.org.slug, str(start), str(stop)],
        cwd=REPO_ROOT,
        env=env,
        check=True,
    )


def start_gateways(
    running: ExitStack, databases: list[Database], size: int, settings: Settings
) -> list[Started]:
    """Start the gateway on each database."""
    return [
        (
            gateway(db.kind),
            running.enter_context(gunicorn(server_env(db.url, settings), settings.workers)),
            _gateway_operations(db.org, size, db.kind),
        )
        for db in databases
    ]


def start_pooled_gateways(
    running: ExitStack, databases: list[Database], size: int, settings: Settings
) -> list[Started]:
    """Start the gateway on PostgreSQL straight with nothing prepared, and through PgBouncer."""
    servers: list[Started] = []
    for db in databases:
        if db.pooled_url is None:
            continue
        unprepared = {**server_env(db.url, settings), "SCIM_GATEWAY_DATABASE_POOLER": "transaction"}
        server = running.enter_context(gunicorn(unprepared, settings.workers))
        servers.append((UNPREPARED, server, _reads_and_creates(db.org, size, f"np{size}")))
        pooled = server_env(db.pooled_url, settings)
        server = running.enter_context(gunicorn(pooled, settings.workers))
        servers.append((POOLED, server, _reads_and_creates(db.org, size, f"pb{size}")))
    return servers


def start_durable_peers(
    running: ExitStack, databases: list[Database], size: int, settings: Settings
) -> list[Started]:
    """Start django-scim2 on each database, on a database of its own."""
    servers: list[Started] = []
    for db in databases:
        env = {
            "BENCH_DJANGO_DATABASE": _django_url(db.peer_url),
            "BENCH_PEER_TOKEN": db.org.scim_token,
        }
        server = running.enter_context(gunicorn(env, settings.workers, app=DJANGO_APP))
        servers.append(
            (durable(db.kind), server, _reads_and_creates(db.org, size, f"dj{size}-{db.kind}"))
        )
    return servers


def start_floors(
    running: ExitStack, databases: list[Database], size: int, settings: Settings
) -> list[Started]:
    """Start the durable floor on each database, and once the floor without statements."""
    servers: list[Started] = []
    for db in databases:
        env = {"BENCH_FLOOR_DATABASE": db.url, "BENCH_FLOOR_ORGANIZATION": str(db.org.id)}
        server = running.enter_context(gunicorn(env, settings.workers, app=FLOOR_APP))
        servers.append((floor(db.kind), server, _reads_and_creates(db.org, size, f"floor{size}")))
        if db is databases[0]:
            # It writes nothing: the same on every database, so started once, with the first.
            env = {**env, "BENCH_FLOOR_STATEMENTS": "none"}
            server = running.enter_context(gunicorn(env, settings.workers, app=FLOOR_APP))
            servers.append((UNWRITTEN, server, _creates_only(db.org, f"unwritten{size}")))
    return servers


def start_references(
    running: ExitStack, databases: list[Database], size: int, settings: Settings
) -> list[Started]:
    """Start scim2-server in memory, seeded as the gateway, and the bare Flask ceiling."""
    org = databases[0].org
    env = {
        "BENCH_PEER_TOKEN": org.scim_token,
        "BENCH_PEER_SLUG": org.slug,
        "BENCH_PEER_USERS": str(size),
    }
    started = time.monotonic()
    # Seeding 50,000 users through scim2-server's own API takes minutes on a busy machine.
    memory = running.enter_context(gunicorn(env, settings.workers, app=PEER_APP, timeout=900))
    print(
        f"[peer {size:,}] scim2-server seeded and up in {time.monotonic() - started:.1f}s",
        flush=True,
    )
    ceiling = running.enter_context(gunicorn({}, settings.workers, app=CEILING_APP))
    return [
        (PEER, memory, _reads_and_creates(org, size, f"peer{size}")),
        # The ceiling answers constants: its lookups find no one in particular.
        (CEILING, ceiling, _reads_and_creates(org, size, f"ceiling{size}", checked=False)),
    ]


# The servers measured, in the order of the table.
STARTERS: list[Starter] = [
    start_gateways,
    start_pooled_gateways,
    start_durable_peers,
    start_floors,
    start_references,
]


def _gateway_operations(org: Org, size: int, kind: str) -> Operations:
    return lambda turn: [
        lookups(org, size),
        creates(org, f"gw{size}-{kind}-{turn}"),
        pages(org, size),
    ]


def _creates_only(org: Org, tag: str) -> Operations:
    return lambda turn: [creates(org, f"{tag}-{turn}")]


def _reads_and_creates(org: Org, size: int, tag: str, *, checked: bool = True) -> Operations:
    return lambda turn: [lookups(org, size, checked=checked), creates(org, f"{tag}-{turn}")]


def write(
    directory: Path, date: str, machine: dict[str, Any], result: dict[str, Any]
) -> list[Path]:
    """Write the comparison as <date>-peer.json and <date>-peer.md; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    document = directory / f"{date}-peer.json"
    document.write_text(
        json.dumps({"date": date, "machine": machine, **result}, indent=2, default=str) + "\n"
    )
    table = directory / f"{date}-peer.md"
    table.write_text(markdown(date, machine, result, pooler_section(result["rows"])))
    return [document, table]
