"""The application run as in production: gunicorn processes and the CLI."""

import atexit
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import requests

from tests.support.forked_cli import ForkedCli
from tests.support.ports import free_port

REPO_ROOT = Path(__file__).resolve().parents[2]
# Generous: on a loaded 2-core machine two workers importing the app can take 20 s.
STARTUP_TIMEOUT = 60.0
# For a module whose gunicorn boots beside many other servers, or in a long module setup.
PATIENT_STARTUP = 90.0
STOP_TIMEOUT = 10.0


def _tail(log: IO[bytes], limit: int = 4000) -> str:
    """Return the end of a captured log."""
    log.seek(0)
    return log.read().decode(errors="replace")[-limit:]


def _wait_healthy(
    process: subprocess.Popen[bytes], base_url: str, log: IO[bytes], timeout: float
) -> None:
    """Wait, bounded, until GET /healthz answers 200; raise with the log if it never does."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"gunicorn exited with {process.returncode}:\n{_tail(log)}")
        try:
            if requests.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return
        except (requests.ConnectionError, requests.Timeout):
            pass  # Not listening yet, or its workers are still booting.
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn not healthy within {timeout}s:\n{_tail(log)}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    """Stop gunicorn gracefully with SIGTERM, then with SIGKILL if it lingers."""
    process.terminate()
    try:
        process.wait(timeout=STOP_TIMEOUT)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def start_gunicorn(
    env: Mapping[str, str],
    workers: int = 2,
    app: str = "wsgi:app",
    port: int | None = None,
    log_path: Path | None = None,
    startup_timeout: float = STARTUP_TIMEOUT,
) -> Iterator[str]:
    """Run the app under gunicorn on 127.0.0.1 and yield its base URL.

    env is merged onto os.environ. port defaults to a free one; pass one
    chosen with free_port() when the URL must be known beforehand (e.g. for
    an OpenID client's redirect_uri). log_path keeps gunicorn's log in that file, for
    tests that read what the app logged. startup_timeout bounds the wait for its first 200.
    """
    bind_port = port or free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--bind=127.0.0.1:{bind_port}",
        f"--workers={workers}",
        f"--config={REPO_ROOT / 'gunicorn.conf.py'}",
        # Bounds the SIGTERM shutdown so teardown rarely needs SIGKILL.
        "--graceful-timeout=5",
        app,
    ]
    # Append mode: gunicorn's writes must not follow our seeks when reading the log.
    opened = open(log_path, "a+b") if log_path else tempfile.TemporaryFile(mode="a+b")  # noqa: SIM115
    with opened as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            base_url = f"http://127.0.0.1:{bind_port}"
            _wait_healthy(process, base_url, log, startup_timeout)
            yield base_url
        finally:
            _stop(process)


# The command line forked from a process that imported it once (tests/support/forked_cli.py).
_FORKED_CLI = ForkedCli(REPO_ROOT)
atexit.register(_FORKED_CLI.close)


def run_cli(
    args: Sequence[str],
    env: Mapping[str, str] | None = None,
    input: str | None = None,
    timeout: float = 60.0,
) -> subprocess.CompletedProcess[str]:
    """Run `python -m scim_gateway.cli ARGS` from the repo root and return its outcome.

    Each run is a process of its own, forked from one that imported the command line once.
    """
    return _FORKED_CLI.run(args, {**os.environ, **(env or {})}, input, timeout)
