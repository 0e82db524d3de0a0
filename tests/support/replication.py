"""Two local PostgreSQL clusters: a primary and a streaming replica made with pg_basebackup.

They run from Debian's binaries in a temporary directory of their own, on free loopback
ports, as the postgres user when the tests run as root (PostgreSQL refuses root), and are
stopped and removed afterwards, whatever happened.
"""

from __future__ import annotations

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path

from tests.support.ports import free_port

BIN = Path(os.environ.get("SCIM_GATEWAY_TEST_PG_BIN", "/usr/lib/postgresql/15/bin"))
# The name the replica gives the primary: the one synchronous standby it waits for.
STANDBY = "replica"
TIMEOUT = 60


@dataclass
class Cluster:
    """One PostgreSQL cluster: its data directory and port."""

    data: Path
    port: int
    log: Path

    def url(self, database: str = "postgres") -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"


@dataclass
class Pair:
    """A primary and its replica."""

    primary: Cluster
    replica: Cluster

    def sqlalchemy_url(self, database: str) -> str:
        """A libpq multi-host URL that connects to whichever of the two accepts writes."""
        hosts = "&".join(f"host=127.0.0.1:{c.port}" for c in (self.primary, self.replica))
        return (
            f"postgresql+psycopg://postgres@/{database}?{hosts}"
            "&target_session_attrs=read-write&connect_timeout=2"
        )


def _as_postgres(args: list[str], **options: object) -> subprocess.CompletedProcess[str]:
    user = "postgres" if os.geteuid() == 0 else None
    return subprocess.run(
        args,
        user=user,
        capture_output=True,
        text=True,
        timeout=TIMEOUT,
        check=True,
        stdin=subprocess.DEVNULL,
        **options,  # type: ignore[arg-type]
    )


def _start(cluster: Cluster) -> None:
    _as_postgres(
        [str(BIN / "pg_ctl"), "start", "-w", "-t", str(TIMEOUT), "-D", str(cluster.data),
         "-l", str(cluster.log), "-o", f"-p {cluster.port} -k {cluster.data}"]
    )  # fmt: skip


def stop(cluster: Cluster, mode: str = "fast") -> None:
    """Stop a cluster; mode "immediate" is a crash, without a shutdown checkpoint."""
    _as_postgres([str(BIN / "pg_ctl"), "stop", "-w", "-m", mode, "-D", str(cluster.data)])


def promote(cluster: Cluster) -> None:
    """Promote a replica to primary and wait until it accepts writes."""
    _as_postgres([str(BIN / "pg_ctl"), "promote", "-w", "-D", str(cluster.data)])


def _wait_streaming(primary: Cluster) -> None:
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        state = _as_postgres(
            [str(BIN / "psql"), "-At", "-h", "127.0.0.1", "-p", str(primary.port), "-U",
             "postgres", "-c", "SELECT sync_state FROM pg_stat_replication"]
        ).stdout.strip()  # fmt: skip
        if state == "sync":
            return
        time.sleep(0.2)
    raise RuntimeError(f"the replica never streamed synchronously:\n{primary.log.read_text()}")


@contextmanager
def replicated_pair() -> Iterator[Pair]:
    """Run a primary with a synchronous streaming replica; stop and remove both afterwards."""
    if not (BIN / "initdb").exists():
        raise RuntimeError(f"PostgreSQL's binaries are not in {BIN}: set SCIM_GATEWAY_TEST_PG_BIN")
    root = Path(tempfile.mkdtemp(prefix="pg-failover-"))
    if os.geteuid() == 0:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    primary = Cluster(root / "primary", free_port(), root / "primary.log")
    replica = Cluster(root / "replica", free_port(), root / "replica.log")
    started: list[Cluster] = []
    try:
        _as_postgres(
            [str(BIN / "initdb"), "-D", str(primary.data), "-U", "postgres", "--auth=trust",
             "--no-sync"]
        )  # fmt: skip
        with open(primary.data / "postgresql.conf", "a") as conf:
            conf.write(
                "listen_addresses = '127.0.0.1'\n"
                "wal_level = replica\nmax_wal_senders = 4\nhot_standby = on\n"
                # Each commit waits until the replica has it: none acknowledged is lost.
                f"synchronous_standby_names = '{STANDBY}'\nsynchronous_commit = on\n"
                "fsync = on\nmax_connections = 60\nshared_buffers = 32MB\n"
            )
        with open(primary.data / "pg_hba.conf", "a") as hba:
            hba.write("host replication postgres 127.0.0.1/32 trust\n")
        _start(primary)
        started.append(primary)
        _as_postgres(
            [str(BIN / "pg_basebackup"), "-h", "127.0.0.1", "-p", str(primary.port), "-U",
             "postgres", "-D", str(replica.data), "-X", "stream", "-R", "--no-sync"]
        )  # fmt: skip
        with open(replica.data / "postgresql.auto.conf", "a") as conf:
            conf.write(
                f"primary_conninfo = 'host=127.0.0.1 port={primary.port} user=postgres "
                f"application_name={STANDBY}'\n"
                # Promoted, it has no standby of its own: waiting for one would hang every
                # commit (pg_basebackup copied the primary's synchronous_standby_names).
                "synchronous_standby_names = ''\n"
            )
        _start(replica)
        started.append(replica)
        _wait_streaming(primary)
        yield Pair(primary, replica)
    finally:
        for cluster in reversed(started):
            with suppress(subprocess.CalledProcessError):  # already stopped by the test
                stop(cluster, "immediate")
        shutil.rmtree(root, ignore_errors=True)
