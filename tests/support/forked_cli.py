"""The command line run in a process of its own, forked from one that imported it already.

Each `python -m scim_gateway.cli` spends two to three seconds importing the app before
it does anything. A server process (one per test process) imports the command line and
the app's views once; each run forks it, and the child runs `python -m scim_gateway.cli
ARGS` as a fresh process would: with only the given environment, that stdin, its own
stdout and stderr, and the exit code of the command. The app reads its settings when it
is created, never at import, so nothing of the server's environment reaches the command.
"""

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path

# Runs in the server: imports the command line, then forks one child per connection.
SERVER = r"""
import json, os, runpy, signal, socket, sys

import scim_gateway.cli  # noqa: F401  (the imports every run would repeat)
from scim_gateway import import_views

import_views()

listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
listener.bind(sys.argv[1])
listener.listen(64)
listener.settimeout(1.0)
signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # children are reaped by the kernel
parent = os.getppid()
sys.stdout.write("ready\n")
sys.stdout.flush()
while True:
    try:
        connection, _ = listener.accept()
    except TimeoutError:
        if os.getppid() != parent:  # the test process is gone: so is the server
            sys.exit(0)
        continue
    connection.settimeout(None)
    if os.fork():
        connection.close()
        continue
    listener.close()
    signal.signal(signal.SIGCHLD, signal.SIG_DFL)
    stream = connection.makefile("rwb")
    request = json.loads(stream.readline())
    stream.write(json.dumps({"pid": os.getpid()}).encode() + b"\n")
    stream.flush()
    os.environ.clear()
    os.environ.update(request["env"])
    for fd, path, mode in ((0, request["stdin"], os.O_RDONLY), (1, request["stdout"], os.O_WRONLY),
                           (2, request["stderr"], os.O_WRONLY)):
        opened = os.open(path, mode)
        os.dup2(opened, fd)
        os.close(opened)
    sys.stdin = open(0, "r", closefd=False)
    sys.stdout = open(1, "w", closefd=False)
    sys.stderr = open(2, "w", closefd=False, errors="backslashreplace")
    sys.argv = ["-m", *request["args"]]
    code = 0
    try:
        runpy.run_module("scim_gateway.cli", run_name="__main__", alter_sys=True)
    except SystemExit as done:  # as the interpreter ends a process on SystemExit
        if done.code is None or isinstance(done.code, int):
            code = done.code or 0
        else:
            print(done.code, file=sys.stderr)
            code = 1
    except BaseException:
        import traceback
        traceback.print_exc()
        code = 1
    import atexit
    atexit._run_exitfuncs()
    sys.stdout.flush()
    sys.stderr.flush()
    stream.write(json.dumps({"code": code}).encode() + b"\n")
    stream.flush()
    os._exit(code)
"""


class ForkedCli:
    """A server forking the imported command line, started on first use."""

    def __init__(self, repo_root: Path) -> None:
        self.repo_root = repo_root
        self.lock = threading.Lock()
        self.process: subprocess.Popen[bytes] | None = None
        self.directory = Path(tempfile.mkdtemp(prefix="scim-gateway-cli-"))
        self.address = str(self.directory / "cli.sock")

    def _started(self) -> str:
        with self.lock:
            if self.process is None or self.process.poll() is not None:
                self.process = subprocess.Popen(
                    [sys.executable, "-c", SERVER, self.address],
                    cwd=self.repo_root,
                    env={**os.environ, "PYTHONPATH": str(self.repo_root)},
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                )
                assert self.process.stdout is not None
                if self.process.stdout.readline() != b"ready\n":
                    raise RuntimeError("the command line server did not start")
            return self.address

    def run(
        self, args: Sequence[str], env: Mapping[str, str], input: str | None, timeout: float
    ) -> subprocess.CompletedProcess[str]:
        """Run the command line with args, as subprocess.run(..., text=True) would."""
        address = self._started()
        with tempfile.TemporaryDirectory(dir=self.directory) as files:
            paths = {name: Path(files) / name for name in ("stdin", "stdout", "stderr")}
            paths["stdin"].write_text(input or "")
            paths["stdout"].touch()
            paths["stderr"].touch()
            files_of = {name: str(path) for name, path in paths.items()}
            request = {"args": list(args), "env": dict(env), **files_of}
            with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as connection:
                connection.settimeout(timeout)
                connection.connect(address)
                stream = connection.makefile("rwb")
                stream.write(json.dumps(request).encode() + b"\n")
                stream.flush()
                pid = json.loads(stream.readline())["pid"]
                try:
                    line = stream.readline()
                except TimeoutError:
                    os.kill(pid, signal.SIGKILL)
                    raise subprocess.TimeoutExpired(["scim-gateway", *args], timeout) from None
            if not line:
                raise RuntimeError(f"scim-gateway {' '.join(args)} died without an exit code")
            return subprocess.CompletedProcess(
                ["scim-gateway", *args],
                json.loads(line)["code"],
                paths["stdout"].read_text(),
                paths["stderr"].read_text(),
            )

    def close(self) -> None:
        """Stop the server (children still running finish on their own)."""
        if self.process is not None:
            if self.process.poll() is None:
                self.process.kill()
                self.process.wait()
            if self.process.stdout is not None:
                self.process.stdout.close()
        shutil.rmtree(self.directory, ignore_errors=True)
