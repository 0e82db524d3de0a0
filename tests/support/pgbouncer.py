"""A real PgBouncer in transaction mode in front of the test PostgreSQL, as operators run it."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from sqlalchemy.engine import make_url

from tests.support.ports import free_port

STARTUP_TIMEOUT = 15.0
# Debian's package; `make test` and CI install it when it is missing.
BINARY = os.environ.get("SCIM_GATEWAY_TEST_PGBOUNCER") or shutil.which(
    "pgbouncer", path=f"{os.environ.get('PATH', '')}:/usr/sbin"
)

# Every transaction may land on another server connection: four are opened up front and
# handed out in turn (server_round_robin), so that anything that relies on a session
# outliving its transaction (a prepared statement, a SET) fails here on the first try,
# not only when requests happen to overlap.
CONFIG = """\
[databases]
* = host={host} port={port}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {listen}
unix_socket_dir =
auth_type = trust
auth_file = {directory}/userlist.txt
pool_mode = transaction
default_pool_size = 20
min_pool_size = 4
server_round_robin = 1
max_client_conn = 400
ignore_startup_parameters = extra_float_digits,options
"""


def _tail(log: IO[bytes], limit: int = 3000) -> str:
    log.seek(0)
    return log.read().decode(errors="replace")[-limit:]


def _wait_listening(
    process: subprocess.Popen[bytes], port: int, log: IO[bytes], timeout: float
) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"pgbouncer exited with {process.returncode}:\n{_tail(log)}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"pgbouncer not listening within {timeout}s:\n{_tail(log)}")


@contextmanager
def start_pgbouncer(server_url: str) -> Iterator[int]:
    """Run PgBouncer (pool_mode=transaction) in front of server_url's server; yield its port.

    It listens on 127.0.0.1 on a free port, with its configuration in a directory of its
    own, and serves every database of that server under the same name and user.
    """
    if not BINARY:
        raise RuntimeError(
            "pgbouncer is missing: install Debian's `pgbouncer` (make test does) or point "
            "SCIM_GATEWAY_TEST_PGBOUNCER at one; the pooler tests are never skipped."
        )
    server = make_url(server_url)
    listen = free_port()
    with tempfile.TemporaryDirectory(prefix="pgbouncer-") as directory:
        path = Path(directory)
        (path / "userlist.txt").write_text(f'"{server.username or "postgres"}" ""\n')
        config = path / "pgbouncer.ini"
        config.write_text(
            CONFIG.format(
                host=server.host or "127.0.0.1",
                port=server.port or 5432,
                listen=listen,
                directory=directory,
            )
        )
        command = [str(BINARY), str(config)]
        if os.geteuid() == 0:
            # PgBouncer refuses to run as root; it drops to the server's own user.
            path.chmod(0o755)
            command[1:1] = ["-u", "postgres"]
        with tempfile.TemporaryFile() as log:
            process = subprocess.Popen(
                command, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT
            )
            try:
                _wait_listening(process, listen, log, STARTUP_TIMEOUT)
                yield listen
            finally:
                process.terminate()
                try:
                    process.wait(timeout=10)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()


def through(url: str, port: int) -> str:
    """Return url with its server replaced by the PgBouncer listening on port."""
    return make_url(url).set(host="127.0.0.1", port=port).render_as_string(hide_password=False)
