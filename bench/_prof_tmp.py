"""Profile one operation under load with py-spy: where a request's time goes.

`python -m bench.profile --database sqlite --operation "GET userName"` seeds, serves and
drives the operation like the benchmark does, samples every gunicorn worker with py-spy
(only threads holding the GIL, i.e. running Python), and prints the costs by library and
by the gateway's own functions.
"""

from __future__ import annotations

import argparse
import collections
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from pathlib import Path

from seat_core import make_engine

from . import client, operations
from .databases import database
from .runner import SEATS, Settings, server_env
from .seed import analyze, create_org, seed_members
from .servers import gunicorn

# Leaf-most frame in one of these files decides the library a sample is charged to.
LIBRARIES = (
    ("sqlite3/", "sqlite3 driver"),
    ("psycopg/", "psycopg driver"),
    ("sqlalchemy/", "SQLAlchemy"),
    ("scim2_models/", "scim2-models"),
    ("pydantic", "pydantic"),
    ("email_validator/", "email-validator"),
    ("werkzeug/", "Werkzeug"),
    ("flask/", "Flask"),
    ("json/", "json"),
    ("limits/", "limits"),
    ("gunicorn/", "gunicorn"),
    ("seat_core/", "seat_core"),
    ("scim_gateway/", "scim_gateway"),
)


def library(frame: str) -> str | None:
    for marker, name in LIBRARIES:
        if marker in frame:
            return name
    return None


def summarize(lines: Iterable[str], top: int) -> str:
    """Return the costs in py-spy's raw (collapsed) output, by library and app function."""
    by_library: collections.Counter[str] = collections.Counter()
    by_function: collections.Counter[str] = collections.Counter()
    total = 0
    for line in lines:
        stack, _, count = line.rstrip().rpartition(" ")
        if not stack or not count.isdigit():
            continue
        frames = stack.split(";")
        if not any("Flask.wsgi_app" in frame for frame in frames):
            continue  # the arbiter, idle accept loops
        samples = int(count)
        total += samples
        charged = next((name for f in reversed(frames) if (name := library(f))), "other")
        by_library[charged] += samples
        own = {frame for frame in frames if "scim_gateway/" in frame or "seat_core/" in frame}
        for frame in own:
            by_function[frame] += samples
    if not total:
        return "no samples inside requests"
    out = [f"{total} samples inside requests", "", "self time by library:"]
    out += [f"  {100 * n / total:5.1f}%  {name}" for name, n in by_library.most_common()]
    out += ["", "inclusive time by the gateway's own lines:"]
    out += [f"  {100 * n / total:5.1f}%  {frame}" for frame, n in by_function.most_common(top)]
    return "\n".join(out)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__)
    parser.add_argument("--database", default="sqlite")
    parser.add_argument("--operation", default="GET userName")
    parser.add_argument("--members", type=int, default=1000)
    parser.add_argument("--seconds", type=float, default=5.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--clients", type=int, default=2)
    parser.add_argument("--top", type=int, default=30)
    parser.add_argument("--raw", type=Path, help="keep py-spy's collapsed stacks here")
    args = parser.parse_args(argv)
    spy = shutil.which("py-spy") or str(Path(sys.executable).parent / "py-spy")
    settings = Settings(
        sizes=(args.members,),
        seconds=args.seconds,
        warmup=1.0,
        workers=args.workers,
        clients=args.clients,
        sync_users=0,
        sync_clients=0,
        sync_timeout=0,
        race_activations=0,
        race_seats=1,
        rate_limit="1000/second",
    )
    with (
        tempfile.TemporaryDirectory() as directory,
        database(args.database, Path(directory)) as url,
    ):
        engine = make_engine(url)
        org = create_org(engine, "bench", seats=SEATS)
        seed_members(engine, org, 0, args.members)
        analyze(engine)
        engine.dispose()
        known = [
            *operations.lookups(org, args.members),
            operations.sign_ins(org, args.members),
            operations.deactivations(org, args.members),
            operations.creations(org, "profile"),
        ]
        chosen = {operation.name: operation for operation in known}.get(args.operation)
        if chosen is None:
            names = ", ".join(operation.name for operation in known)
            raise SystemExit(f"Unknown operation {args.operation!r}: use one of {names}.")
        raw = args.raw or Path(directory) / "profile.txt"
        with gunicorn(server_env(url, settings), args.workers) as server:
            client.run(server.base_url, chosen.headers, chosen.plan, clients=2, seconds=1)
            command = [spy, "record", "--pid", str(server.process.pid), "--subprocesses"]
            command += ["--rate", "200", "--format", "raw", "--nonblocking"]
            command += ["--duration", str(int(args.seconds)), "--output", str(raw)]
            recorder = subprocess.Popen(
                command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            time.sleep(0.5)  # py-spy attaches to each worker
            result = client.run(
                server.base_url,
                chosen.headers,
                chosen.plan,
                clients=args.clients,
                seconds=args.seconds,
            )
            recorder.wait(timeout=args.seconds + 30)
        requests = sum(len(label.latencies) for label in result.labels.values())
        print(f"{args.operation} on {args.database}: {requests} requests profiled")
        print(summarize(raw.read_text().splitlines(), args.top))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
