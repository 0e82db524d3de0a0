"""gunicorn under test: start, stop, and read its workers' memory and CPU from /proc."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO

REPO_ROOT = Path(__file__).resolve().parents[1]
# Generous: on a busy machine four workers importing the app can take a while.
STARTUP_TIMEOUT = 90.0
STOP_TIMEOUT = 10.0
CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


@dataclass
class Server:
    """A running gunicorn: its URL, master process and captured log."""

    base_url: str
    process: subprocess.Popen[bytes]
    log: IO[bytes]

    def workers(self) -> list[int]:
        """Return the pids of the master's worker processes."""
        pid = self.process.pid
        try:
            children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
        except OSError:
            return []
        return sorted(int(child) for child in children)

    def rss_mib(self) -> list[float]:
        """Return the resident memory of each worker, in MiB."""
        return self._kib_of("status", ("VmRSS:",))

    def own_mib(self) -> list[float]:
        """Return the memory each worker holds alone (its private pages, shared with no other
        process: not the master's pages it still shares since the fork), in MiB."""
        return self._kib_of("smaps_rollup", ("Private_Clean:", "Private_Dirty:"))

    def _kib_of(self, name: str, fields: tuple[str, ...]) -> list[float]:
        """Return, for each worker, the sum of those fields (in kB) of /proc/<pid>/<name>, in
        MiB."""
        sizes = []
        for pid in self.workers():
            try:
                text = Path(f"/proc/{pid}/{name}").read_text()
            except OSError:
                continue
            kib = [int(line.split()[1]) for line in text.splitlines() if line.startswith(fields)]
            sizes.append(sum(kib) / 1024)
        return sizes

    def cpu_seconds(self) -> float:
        """Return the CPU time (user + system) the workers have used so far."""
        total = 0
        for pid in self.workers():
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
            except OSError:
                continue
            # utime and stime are fields 14 and 15 of proc(5); fields[0] is field 3.
            total += int(fields[11]) + int(fields[12])
        return total / CLOCK_TICKS

    def log_text(self) -> str:
        """Return what gunicorn and the app wrote so far."""
        self.log.seek(0)
        return self.log.read().decode(errors="replace")


def _wait_healthy(server: Server, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited early:\n{server.log_text()[-4000:]}")
        try:
            with urllib.request.urlopen(f"{server.base_url}/readyz", timeout=1) as answer:
                if answer.status == 200:
                    return
        except (urllib.error.URLError, OSError):
            pass  # Not listening yet.
        time.sleep(0.1)
    raise RuntimeError(f"gunicorn not ready in {timeout}s:\n{server.log_text()[-4000:]}")


@contextmanager
def gunicorn(
    env: Mapping[str, str],
    workers: int,
    *,
    app: str = "wsgi:app",
    timeout: float = STARTUP_TIMEOUT,
) -> Iterator[Server]:
    """Run app (the gateway's wsgi:app by default) under gunicorn with sync workers.

    Every server runs from the repository root, so gunicorn reads the project's
    gunicorn.conf.py: each app is built in the master before it forks (preload_app), and
    the workers share what it built. timeout is how long it may take to answer /readyz.
    """
    port = free_port()
    command = [
        sys.executable,
        "-m",
        "gunicorn",
        f"--bind=127.0.0.1:{port}",
        f"--workers={workers}",
        "--graceful-timeout=5",
        app,
    ]
    # Append mode: the server's writes must not follow our seeks when reading the log.
    with tempfile.TemporaryFile(mode="a+b") as log:
        process = subprocess.Popen(
            command,
            cwd=REPO_ROOT,
            env={**os.environ, **env},
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        server = Server(f"http://127.0.0.1:{port}", process, log)
        try:
            _wait_healthy(server, timeout)
            yield server
        finally:
            process.terminate()
            try:
                process.wait(timeout=STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
