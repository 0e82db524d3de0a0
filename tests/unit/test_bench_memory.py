"""The bench tells a worker's own memory from the pages it still shares with its master."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tempfile
import time

from bench.servers import Server

# A master holding 64 MiB forks a worker that writes a fresh 32 MiB of its own: the
# master's pages stay shared with the worker, the worker's own are its alone.
FORKING = """
import os, sys, time
shared = bytearray(os.urandom(64 << 20))
if os.fork() == 0:
    own = bytearray(os.urandom(32 << 20))
    print("ready", flush=True)
    time.sleep(60)
    os._exit(0)
time.sleep(60)
"""


def test_a_workers_own_memory_leaves_out_what_it_shares_with_the_master():
    with tempfile.TemporaryFile() as log:
        master = subprocess.Popen(
            [sys.executable, "-c", FORKING], stdout=subprocess.PIPE, stderr=log
        )
        try:
            assert master.stdout is not None
            assert master.stdout.readline() == b"ready\n"
            server = Server("http://127.0.0.1:1", master, log)
            for _ in range(50):
                if server.workers():
                    break
                time.sleep(0.1)

            [resident] = server.rss_mib()
            [own] = server.own_mib()
        finally:
            for child in Server("", master, log).workers():
                os.kill(child, signal.SIGKILL)
            master.kill()
            master.wait()
            if master.stdout is not None:
                master.stdout.close()

    assert resident > 64 + 32
    assert 32 <= own < 64
