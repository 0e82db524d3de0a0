"""The gateway beside its peer and its ceiling: the same requests, clients and gunicorn.

Three servers, one after the other at each size, driven by the same load generator:
the gateway (`wsgi:app`) on each database, scim2-server in memory (`bench.peer_app`), and
a bare Flask app answering constants (`bench.ceiling_app`). On SQLite, creates are also
measured on the durable floor (`bench.floor_app`): the gateway's own statements with no
layer of its own around them; and on the floor without its statements, which weighs the
writes against validation and the stack. Each is measured on creates of
active users and on lookups by `userName eq` of seeded users; the gateway also on a page
of 100, whose server CPU per request is a target.
"""

from __future__ import annotations

import json
import random
import time
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy.engine import make_url

from seat_core import make_engine

from .client import Request
from .databases import database
from .measure import measure
from .operations import CREATED, PAGE, SCIM, Operation, scim_headers
from .peer_report import (
    CEILING,
    CREATES,
    FLOOR,
    LOOKUPS,
    PAGES,
    PEER,
    UNWRITTEN,
    combined,
    gateway,
    markdown,
    peer_targets,
)
from .runner import SEATS, Settings, log_errors, server_env
from .seed import Org, analyze, create_org, seed_members, user_name
from .servers import Server, gunicorn
from .users import user_body

PEER_APP = "bench.peer_app:app"
CEILING_APP = "bench.ceiling_app:app"
FLOOR_APP = "bench.floor_app:app"


@dataclass(frozen=True)
class PeerSettings:
    """How the comparison runs: organization sizes and concurrent clients."""

    sizes: tuple[int, ...] = (2_000, 50_000)
    clients: int = 8
    # Each server measured this many times at each size, in turn; the report takes medians.
    rounds: int = 3


def lookups(org: Org, members: int) -> Operation:
    """Return lookups by `userName eq` of members drawn at random among the seeded ones."""

    def plan(index: int, clients: int) -> Iterator[Request]:
        rng = random.Random(index)
        while True:
            text = quote(f'userName eq "{user_name(org.slug, rng.randrange(members))}"')
            yield Request(LOOKUPS, "GET", f"{SCIM}/Users?filter={text}")

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


def run_comparison(
    kinds: list[str], settings: Settings, peer: PeerSettings, directory: Path
) -> dict[str, Any]:
    """Measure the gateway on each database, the floor, the peer and the ceiling at each size.

    At each size every server is started, then each is measured in turn, round after round:
    a drift of the machine's speed then touches every server alike, and the report gives
    each figure's median over the rounds.
    """
    rows: list[dict[str, Any]] = []
    log_lines: list[str] = []
    with ExitStack() as stack:
        gateways = []
        for kind in kinds:
            url = stack.enter_context(database(kind, directory))
            engine = make_engine(url)
            stack.callback(engine.dispose)
            gateways.append((kind, url, engine, create_org(engine, "bench", seats=SEATS)))
        seeded = 0
        for size in peer.sizes:
            for _, _, engine, org in gateways:
                seed_members(engine, org, seeded, size)
                analyze(engine)
            seeded = size
            with ExitStack() as running:
                servers = _start(running, gateways, size, settings)
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
    return {
        "sizes": list(peer.sizes),
        "clients": peer.clients,
        "rounds": peer.rounds,
        "databases": kinds,
        "versions": {name: version(name) for name in ("scim2-server", "gunicorn", "flask")},
        "rows": medians,
        "measurements": rows,
        "gateway_log_errors": log_lines[:20],
        "targets": peer_targets(medians, kinds),
    }


Operations = Callable[[int], list[Operation]]


def _start(
    running: ExitStack, gateways: list[tuple[str, str, Any, Org]], size: int, settings: Settings
) -> list[tuple[str, Server, Operations]]:
    """Start every server measured at a size; return each with its operations by round."""
    servers: list[tuple[str, Server, Operations]] = []
    for kind, url, _, org in gateways:
        server = running.enter_context(gunicorn(server_env(url, settings), settings.workers))
        servers.append((gateway(kind), server, _gateway_operations(org, size, kind)))
        if kind == "sqlite":
            env = {
                "BENCH_FLOOR_DATABASE": str(make_url(url).database),
                "BENCH_FLOOR_ORGANIZATION": str(org.id),
            }
            server = running.enter_context(gunicorn(env, settings.workers, app=FLOOR_APP))
            servers.append((FLOOR, server, _creates_only(org, f"floor{size}")))
            env = {**env, "BENCH_FLOOR_STATEMENTS": "none"}
            server = running.enter_context(gunicorn(env, settings.workers, app=FLOOR_APP))
            servers.append((UNWRITTEN, server, _creates_only(org, f"unwritten{size}")))
    org = gateways[0][3]
    env = {
        "BENCH_PEER_TOKEN": org.scim_token,
        "BENCH_PEER_SLUG": org.slug,
        "BENCH_PEER_USERS": str(size),
    }
    started = time.monotonic()
    server = running.enter_context(gunicorn(env, settings.workers, app=PEER_APP, preload=True))
    print(
        f"[peer {size:,}] scim2-server seeded and up in {time.monotonic() - started:.1f}s",
        flush=True,
    )
    servers.append((PEER, server, _reads_and_creates(org, size, f"peer{size}")))
    server = running.enter_context(gunicorn({}, settings.workers, app=CEILING_APP))
    servers.append((CEILING, server, _reads_and_creates(org, size, f"ceiling{size}")))
    return servers


def _gateway_operations(org: Org, size: int, kind: str) -> Operations:
    return lambda turn: [
        lookups(org, size),
        creates(org, f"gw{size}-{kind}-{turn}"),
        pages(org, size),
    ]


def _creates_only(org: Org, tag: str) -> Operations:
    return lambda turn: [creates(org, f"{tag}-{turn}")]


def _reads_and_creates(org: Org, size: int, tag: str) -> Operations:
    return lambda turn: [lookups(org, size), creates(org, f"{tag}-{turn}")]


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
    table.write_text(markdown(date, machine, result))
    return [document, table]
