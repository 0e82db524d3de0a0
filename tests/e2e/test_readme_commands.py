"""Every scim-gateway command the README shows runs as written, in order, on a fresh instance.

Run today, with today's date: an example that only works on the day it was written fails.
The README's other shell lines (make, docker, the scim2-tester check against a running
server) are not scim-gateway commands and are covered by their own tests or not run here.
"""

import os
import re
import shlex
import signal
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner
from markdown_it import MarkdownIt

from scim_gateway.cli import cli
from tests.conftest import TEST_CONFIG
from tests.support.servers import REPO_ROOT

README = REPO_ROOT / "README.md"
COMMAND = re.compile(r"^(echo '[^']*' \| )?scim-gateway ")


def readme_commands() -> list[str]:
    """Return the scim-gateway command lines of the README's shell blocks, in order."""
    tokens = MarkdownIt("commonmark").parse(README.read_text(encoding="utf-8"))
    commands = []
    for token in tokens:
        if token.type != "fence" or token.info.strip() not in ("sh", "bash"):
            continue
        # A line ending in a backslash goes on on the next one.
        for line in token.content.replace("\\\n", " ").splitlines():
            line = line.strip()
            if COMMAND.match(line):
                commands.append(line)
    return commands


def test_every_command_in_the_readme_runs_as_written(tmp_path, monkeypatch):
    env = {
        "SCIM_GATEWAY_DATABASE_URL": f"sqlite:///{tmp_path / 'gateway.db'}",
        "SCIM_GATEWAY_SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
        "SCIM_GATEWAY_ENCRYPTION_KEY": TEST_CONFIG["ENCRYPTION_KEY"],
        # Nothing listens here: alerts deliver must report the failure, not crash on it.
        "SCIM_GATEWAY_SMTP_PORT": "1",
    }
    for name in [name for name in os.environ if name.startswith("SCIM_GATEWAY_")]:
        monkeypatch.delenv(name)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.chdir(tmp_path)
    commands = readme_commands()
    outputs: dict[str, str] = {}

    for command in commands:
        stdin, _, line = command.rpartition(" | ")
        args = shlex.split(line, comments=True)[1:]
        if args[:2] == ["alerts", "worker"]:
            outputs[command] = run_until_started(args, tmp_path)
            continue
        # In process, as the shell would split it: a process per command is 1-15 s here.
        result = CliRunner().invoke(
            cli, args, input=shlex.split(stdin)[1] + "\n" if stdin else None
        )
        assert result.exit_code == 0, f"{command}\n{result.output}\n{result.exception!r}"
        outputs[command] = result.output

    assert len(commands) >= 25
    usage = next(out for command, out in outputs.items() if "seats usage --org acme" in command)
    assert re.search(r"^seats purchased\s+105$", usage, flags=re.MULTILINE)
    assert re.search(r"^status\s+active$", usage, flags=re.MULTILINE)
    assert (tmp_path / "acme-backup.db").stat().st_size > 0


def run_until_started(args: list[str], cwd: Path) -> str:
    """Run a command that serves until SIGTERM in its own process; stop it once started."""
    process = subprocess.Popen(
        [sys.executable, "-m", "scim_gateway.cli", *args],
        cwd=cwd,
        env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        assert process.stdout is not None
        first = process.stdout.readline()
        assert "started" in first, first
        process.send_signal(signal.SIGTERM)
        rest = process.communicate(timeout=60)[0]
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    assert process.returncode == 0, first + rest
    return first + rest
