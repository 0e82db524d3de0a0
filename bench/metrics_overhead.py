"""What counting a request and giving it an id cost, in process (README, Performance).

`python -m bench.metrics_overhead` calls the app's WSGI callable directly, with and without
the wrapper scim_gateway.metrics puts around it, in alternating rounds so that the machine's
drift cancels out, and prints the difference per request in µs between the fastest rounds
(and between the medians): once for GET /healthz
through the whole app, once around an app that does nothing (the wrapper alone). It runs
twice: with counters in this process, and in gunicorn's multiprocess mode (files in
PROMETHEUS_MULTIPROC_DIR), the mode the gateway runs in under gunicorn.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from typing import Any

from cryptography.fernet import Fernet
from werkzeug.test import EnvironBuilder

Wsgi = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]


def _start(status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
    return None


def _nothing(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
    start_response("200 OK", [("Content-Type", "text/plain")])
    return [b""]


def _time(app: Wsgi, environ: dict[str, Any], requests: int) -> float:
    """Return the CPU seconds per request of calling app, consuming and closing its answer.

    CPU time, not wall time: on a busy machine waiting for a core is not the wrapper's cost.
    """
    started = time.process_time()
    for _ in range(requests):
        body = app(dict(environ), _start)
        for _chunk in body:
            pass
        close = getattr(body, "close", None)
        if close is not None:
            close()
    return (time.process_time() - started) / requests


def _difference(bare: Wsgi, wrapped: Wsgi, environ: dict[str, Any], args: Any) -> dict[str, float]:
    _time(bare, environ, args.requests)  # warm up both, and build the label children
    _time(wrapped, environ, args.requests)
    bare_times, wrapped_times = [], []
    for _ in range(args.rounds):
        bare_times.append(_time(bare, environ, args.requests))
        wrapped_times.append(_time(wrapped, environ, args.requests))
    # The fastest round of each: other processes on the machine only ever add time.
    return {
        "bare_us": round(min(bare_times) * 1e6, 2),
        "added_us": round((min(wrapped_times) - min(bare_times)) * 1e6, 2),
        "added_median_us": round(
            (statistics.median(wrapped_times) - statistics.median(bare_times)) * 1e6, 2
        ),
    }


def measure(args: Any) -> dict[str, Any]:
    """Measure in this process, in whatever mode its environment sets."""
    from scim_gateway import create_app
    from scim_gateway.metrics import instrument

    with tempfile.TemporaryDirectory() as directory:
        app = create_app(
            {
                "SECRET_KEY": "bench",
                "ENCRYPTION_KEY": Fernet.generate_key().decode(),
                "DATABASE_URL": f"sqlite:///{directory}/bench.db",
            }
        )
        environ = EnvironBuilder(path="/healthz").get_environ()
        wrapped: Wsgi = app.wsgi_app
        bare: Wsgi = wrapped.__wrapped__  # type: ignore[attr-defined]
        return {
            "mode": "multiprocess" if os.environ.get("PROMETHEUS_MULTIPROC_DIR") else "single",
            "GET /healthz": _difference(bare, wrapped, environ, args),
            "wrapper alone": _difference(_nothing, instrument(_nothing), environ, args),
        }


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.metrics_overhead", description=__doc__)
    parser.add_argument("--requests", type=int, default=5000, help="per round")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--here", action="store_true", help="measure in this process only")
    args = parser.parse_args(argv)
    if args.here:
        print(json.dumps(measure(args)))
        return 0
    print(json.dumps(measure(args)))
    # prometheus_client chooses its mode when imported: the multiprocess run needs a process.
    with tempfile.TemporaryDirectory() as directory:
        command = [sys.executable, "-m", "bench.metrics_overhead", "--here"]
        command += [f"--requests={args.requests}", f"--rounds={args.rounds}"]
        env = {**os.environ, "PROMETHEUS_MULTIPROC_DIR": directory}
        print(subprocess.run(command, env=env, check=True, capture_output=True, text=True).stdout)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
