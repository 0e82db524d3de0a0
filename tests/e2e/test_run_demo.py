"""`make run`'s launcher: the sign-in details last, a quiet terminal, Ctrl-C stops it all."""

import os
import queue
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests

from tests.support.ports import free_port
from tests.support.servers import REPO_ROOT

LAUNCHER = REPO_ROOT / "scripts" / "run_demo.py"


class Launch:
    """A running launcher and the lines it printed so far."""

    def __init__(self, process: subprocess.Popen[str]) -> None:
        self.process = process
        self.lines: queue.Queue[str] = queue.Queue()
        self.seen: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.put(line.rstrip("\n"))

    def until(self, prefix: str, timeout: float = 150.0) -> list[str]:
        """Collect lines until one starts with prefix; return every line so far."""
        deadline = time.monotonic() + timeout
        while not any(line.startswith(prefix) for line in self.seen):
            try:
                self.seen.append(self.lines.get(timeout=max(deadline - time.monotonic(), 0.01)))
            except queue.Empty:
                raise AssertionError(f"no {prefix!r} line within {timeout}s: {self.seen}") from None
        return self.seen

    def more(self, seconds: float) -> list[str]:
        """Return what was printed within the next few seconds."""
        time.sleep(seconds)
        extra = []
        while not self.lines.empty():
            extra.append(self.lines.get())
        self.seen.extend(extra)
        return extra


@contextmanager
def launched(instance: Path, port: int, mail_port: int) -> Iterator[Launch]:
    """Run the launcher as `make run` does; stop it with SIGINT, as Ctrl-C does."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SCIM_")}
    process = subprocess.Popen(
        [sys.executable, str(LAUNCHER), "--instance", str(instance), "--port", str(port),
         "--mail-port", str(mail_port), "--workers", "1"],
        cwd=REPO_ROOT,
        env={**env, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    try:
        yield Launch(process)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        assert process.stdout is not None
        process.stdout.close()


def settings_of(instance: Path) -> dict[str, str]:
    """Return the instance's settings file as `set -a; . instance/secrets.env` loads it."""
    lines = (instance / "secrets.env").read_text().splitlines()
    return dict(line.split("=", 1) for line in lines if "=" in line and not line.startswith("#"))


def cli(instance: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """Run scim-gateway with only the instance's settings and its database."""
    env = {name: value for name, value in os.environ.items() if not name.startswith("SCIM_")}
    env.update(settings_of(instance))
    env["SCIM_GATEWAY_DATABASE_URL"] = f"sqlite:///{instance / 'scim-gateway.db'}"
    return subprocess.run(
        [sys.executable, "-m", "scim_gateway.cli", *args],
        cwd=REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_make_run_prints_the_sign_in_last_keeps_its_token_and_stops_on_ctrl_c(tmp_path):
    instance, port, mail_port = tmp_path / "instance", free_port(), free_port()

    with launched(instance, port, mail_port) as first:
        lines = list(first.until("Password:"))
        home = requests.get(f"http://127.0.0.1:{port}/", timeout=10)
        after_request = first.more(1.5)
        bought = cli(instance, "seats", "buy", "--org", "demo", "--add", "1")
        delivered = cli(instance, "alerts", "deliver")
        first.process.send_signal(signal.SIGINT)
        stopped = first.process.wait(timeout=30)
        farewell = first.more(0.5)

    serving = next(i for i, line in enumerate(lines) if line.startswith("SCIM Seat Gateway is"))
    token_line = next(line for line in lines if line.startswith("SCIM token:"))
    token = token_line.split()[2]
    assert lines.index(token_line) > serving
    assert lines[-1].startswith("Password:") and len(lines[-1].split()[1]) >= 12
    assert not any("GET /" in line for line in lines)
    assert home.status_code == 200 and after_request == []
    assert "GET / HTTP/1.1" in (instance / "log" / "access.log").read_text()
    # With only the instance's settings loaded, the command line reaches the mail catcher.
    assert bought.returncode == 0, bought.stderr
    assert delivered.returncode == 0 and "0 to retry" in delivered.stdout, delivered.stderr
    assert {mail.suffix for mail in (instance / "mail" / "new").iterdir()} == {".eml"}
    assert stopped == 0 and farewell[-1].startswith("Stopped.")
    with socket_free(port), socket_free(mail_port):
        pass

    with launched(instance, port, mail_port) as second:
        again = list(second.until("Password:"))
        second.process.send_signal(signal.SIGINT)
        second.process.wait(timeout=30)

    assert f"SCIM token:         {token}  (kept from the earlier run" in "\n".join(again)
    assert "owner reset-password --org demo --email owner@demo.test" in again[-1]


@contextmanager
def socket_free(port: int) -> Iterator[None]:
    """Assert that nothing listens on the port any more (the launcher stopped its children)."""
    import socket

    deadline = time.monotonic() + 10
    while True:
        try:
            socket.create_server(("127.0.0.1", port)).close()
            break
        except OSError:
            assert time.monotonic() < deadline, f"port {port} still taken after Ctrl-C"
            time.sleep(0.2)
    yield
