"""gunicorn.conf.py prepares the metrics directory every worker counts into, and cleans it."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

CONFIG = Path(__file__).resolve().parents[2] / "gunicorn.conf.py"

# Load the configuration as gunicorn does (its own namespace), then run its hooks.
PROBE = """
import json, os, runpy, sys
from types import SimpleNamespace
config = runpy.run_path(sys.argv[1])
path = os.environ["PROMETHEUS_MULTIPROC_DIR"]
report = {"path": path, "module": config["metrics_dir"], "files": sorted(os.listdir(path))}
report["pid"] = os.getpid()
# A worker counted, then exited: mark_process_dead must accept its pid without error.
from prometheus_client import Counter, CollectorRegistry
Counter("probe", "probe", registry=CollectorRegistry()).inc()
config["child_exit"](None, SimpleNamespace(pid=os.getpid()))
report["after_counting"] = sorted(os.listdir(path))
config["on_exit"](None)
report["exists_after_exit"] = os.path.isdir(path)
print(json.dumps(report))
"""


def run_probe(env: dict[str, str]) -> dict[str, object]:
    environ = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    outcome = subprocess.run(
        [sys.executable, "-c", PROBE, str(CONFIG)],
        env={**environ, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert outcome.returncode == 0, outcome.stderr
    report: dict[str, object] = json.loads(outcome.stdout)
    return report


def test_without_the_variable_a_temporary_directory_is_made_and_removed_at_exit() -> None:
    report = run_probe({})

    assert Path(str(report["path"])).name.startswith("scim-gateway-metrics-")
    assert report["module"] == report["path"]
    assert report["files"] == []
    # The counter was written to this process's file, which a scrape would read.
    assert report["after_counting"] == [f"counter_{report['pid']}.db"]
    assert report["exists_after_exit"] is False


def test_a_given_directory_is_emptied_of_an_earlier_runs_files_and_kept(tmp_path: Path) -> None:
    (tmp_path / "counter_12345.db").write_bytes(b"from an earlier run")
    (tmp_path / "histogram_12346.db").write_bytes(b"from an earlier run")
    (tmp_path / "notes.txt").write_text("not a metrics file")

    report = run_probe({"PROMETHEUS_MULTIPROC_DIR": str(tmp_path)})

    assert report["path"] == str(tmp_path)
    assert report["files"] == ["notes.txt"]
    assert report["exists_after_exit"] is True
    assert (tmp_path / "notes.txt").exists()


def test_a_given_directory_that_does_not_exist_yet_is_made(tmp_path: Path) -> None:
    target = tmp_path / "not-yet"

    report = run_probe({"PROMETHEUS_MULTIPROC_DIR": str(target)})

    assert report["path"] == str(target) and report["files"] == []
    assert target.is_dir()
