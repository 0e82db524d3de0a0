"""`make run`: serve the demo with its alert worker and a local mail catcher, until Ctrl-C.

The terminal shows a few lines, the demo's sign-in details last; the access log and the
processes' own logs go to files in the instance directory.
"""

from __future__ import annotations

import argparse
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from types import FrameType
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
STARTUP_SECONDS = 120
STOP_SECONDS = 15


def parse(argv: list[str] | None) -> argparse.Namespace:
    """Read the command line `make run` passes."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--instance", type=Path, default=ROOT / "instance")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--mail-port", type=int, help="Override the settings' catcher port.")
    parser.add_argument("--new-token", action="store_true", help="Revoke and replace the token.")
    return parser.parse_args(argv)


def read_settings(path: Path, mail_port: int) -> dict[str, str]:
    """Return the instance's settings, writing the file with fresh secrets the first time.

    The local mail catcher's address is a setting like any other, so the command line
    reaches it with only this file loaded.
    """
    if not path.exists():
        from cryptography.fernet import Fernet

        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(
            f"SCIM_GATEWAY_SECRET_KEY={secrets.token_urlsafe(32)}\n"
            f"SCIM_GATEWAY_ENCRYPTION_KEY={Fernet.generate_key().decode()}\n"
        )
        path.chmod(0o600)
    settings = dict(
        line.split("=", 1)
        for line in path.read_text().splitlines()
        if "=" in line and not line.lstrip().startswith("#")
    )
    if "SCIM_GATEWAY_SMTP_HOST" not in settings:
        with path.open("a") as file:
            file.write(
                "# Alert mail: the local catcher `make run` starts; set a real server here.\n"
                f"SCIM_GATEWAY_SMTP_HOST=127.0.0.1\nSCIM_GATEWAY_SMTP_PORT={mail_port}\n"
            )
        settings.update(SCIM_GATEWAY_SMTP_HOST="127.0.0.1", SCIM_GATEWAY_SMTP_PORT=str(mail_port))
    return settings


def port_is_free(port: int) -> bool:
    """Say whether 127.0.0.1:port can be listened on."""
    try:
        socket.create_server(("127.0.0.1", port)).close()
    except OSError:
        return False
    return True


class EmlFiles:
    """An aiosmtpd handler that writes each message to maildir/new/ as a .eml file."""

    def __init__(self, maildir: Path) -> None:
        self.new = maildir / "new"
        self.new.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        """Keep the message as it came, named by its arrival time."""
        name = f"{time.time_ns()}-{secrets.token_hex(4)}.eml"
        content = envelope.original_content or b""
        (self.new / f".{name}").write_bytes(content)
        (self.new / f".{name}").rename(self.new / name)  # whole files only
        return "250 Message accepted for delivery"


class Processes:
    """The processes started, each with its log file, stopped together."""

    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env = env
        self.logs = logs
        self.running: list[tuple[str, subprocess.Popen[bytes], Path]] = []

    def start(self, name: str, args: list[str]) -> subprocess.Popen[bytes]:
        """Start a process with its output appended to logs/<name>.log."""
        log = self.logs / f"{name}.log"
        with log.open("ab") as output:
            process = subprocess.Popen(
                args,
                cwd=ROOT,
                env=self.env,
                stdin=subprocess.DEVNULL,
                stdout=output,
                stderr=subprocess.STDOUT,
                # Ctrl-C reaches this script alone, which stops the others in order.
                start_new_session=True,
            )
        self.running.append((name, process, log))
        return process

    def exited(self) -> tuple[str, int, Path] | None:
        """Return the first process that ended, with its code and log, or None."""
        for name, process, log in self.running:
            if process.poll() is not None:
                return name, process.returncode, log
        return None

    def stop(self) -> None:
        """Send SIGTERM to each, last started first, then SIGKILL to what lingers."""
        for _, process, _ in reversed(self.running):
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + STOP_SECONDS
        for _, process, _ in self.running:
            try:
                process.wait(timeout=max(deadline - time.monotonic(), 0.1))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def cli(*args: str) -> list[str]:
    """Return the command line of a scim-gateway command, run from this tree."""
    return [sys.executable, "-m", "scim_gateway.cli", *args]


def run_once(args: list[str], env: dict[str, str]) -> str:
    """Run a command to its end; print its output and exit if it fails."""
    done = subprocess.run(args, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        sys.stderr.write(done.stdout + done.stderr)
        sys.exit(done.returncode)
    return done.stdout


def wait_until_serving(url: str, processes: Processes) -> None:
    """Wait until /healthz answers; exit with the log's end if a process ends first."""
    deadline = time.monotonic() + STARTUP_SECONDS
    while time.monotonic() < deadline:
        ended = processes.exited()
        if ended is not None:
            fail(processes, *ended)
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    processes.stop()
    sys.exit(f"The gateway did not answer {url}/healthz within {STARTUP_SECONDS} s.")


def fail(processes: Processes, name: str, code: int, log: Path) -> None:
    """Stop everything and exit, showing the end of the log of the process that ended."""
    processes.stop()
    tail = log.read_text(errors="replace").splitlines()[-20:]
    sys.stderr.write("\n".join(tail) + "\n")
    sys.exit(f"The {name} process ended (exit code {code}); its log is {log}.")


def main(argv: list[str] | None = None) -> None:
    """Start everything, print where it is and how to sign in, and serve until Ctrl-C."""
    options = parse(argv)
    instance = options.instance.resolve()
    settings = read_settings(instance / "secrets.env", options.mail_port or 8025)
    if options.mail_port:
        settings["SCIM_GATEWAY_SMTP_PORT"] = str(options.mail_port)
    url = f"http://{options.host}:{options.port}"
    env = {
        **os.environ,
        "SCIM_GATEWAY_DATABASE_URL": f"sqlite:///{instance / 'scim-gateway.db'}",
        "SCIM_GATEWAY_PUBLIC_URL": url,
        # The landing page offers the demo organization's sign-in.
        "SCIM_GATEWAY_DEMO_ORGANIZATION": "demo",
        **settings,
    }
    logs = instance / "log"
    logs.mkdir(parents=True, exist_ok=True)
    catcher = env["SCIM_GATEWAY_SMTP_HOST"] == "127.0.0.1"
    mail_port = int(env.get("SCIM_GATEWAY_SMTP_PORT", "25"))
    maildir = instance / "mail"
    for taken in [options.port] + ([mail_port] if catcher else []):
        if not port_is_free(taken):
            sys.exit(f"Port {taken} is taken: stop what uses it, or choose another port.")

    processes = Processes(env, logs)
    stopping = False

    def stop(signum: int, _frame: FrameType | None) -> None:
        nonlocal stopping
        stopping = True

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    controller = None
    if catcher:
        from aiosmtpd.controller import Controller

        controller = Controller(EmlFiles(maildir), hostname="127.0.0.1", port=mail_port)
        controller.start()
    try:
        run_once(cli("db", "upgrade"), env)
        demo = ["demo", "--token-file", str(instance / "demo-token")]
        details = run_once(cli(*demo, *(["--new-token"] if options.new_token else [])), env)
        processes.start("worker", cli("alerts", "worker"))
        processes.start(
            "server",
            [sys.executable, "-m", "gunicorn", "--workers", str(options.workers),
             "--bind", f"{options.host}:{options.port}", "--graceful-timeout", "5",
             "--access-logfile", str(logs / "access.log"), "wsgi:app"],
        )  # fmt: skip
        wait_until_serving(url, processes)
        if shutil.which("xmlsec1") is None:
            print("xmlsec1 is not installed, so SAML sign-in is off (the demo does not use it).")
        print(f"SCIM Seat Gateway is serving on {url}")
        if catcher:
            print(
                f"Alert mail is caught on 127.0.0.1:{mail_port}: a .eml file each in {maildir}/new/"
            )
        else:
            print(f"Alert mail goes to {env['SCIM_GATEWAY_SMTP_HOST']}:{mail_port}")
        print(f"Logs: {logs}/ (access.log, server.log, worker.log). Stop with Ctrl-C.")
        print()
        print(details, end="", flush=True)
        while not stopping:
            ended = processes.exited()
            if ended is not None:
                fail(processes, *ended)
            time.sleep(0.5)
    finally:
        processes.stop()
        if controller is not None:
            controller.stop()
    print("\nStopped. `make run` starts it again with the same data and token.")


if __name__ == "__main__":
    main()
