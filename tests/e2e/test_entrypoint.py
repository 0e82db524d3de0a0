"""The image's entrypoint, outside a container: each role runs the command the image runs."""

import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from datetime import date
from pathlib import Path

import psycopg
import pytest
import requests
from psycopg import sql
from sqlalchemy import inspect

from seat_core import contract_of, make_engine, make_sessionmaker
from tests.conftest import TEST_CONFIG
from tests.databases import POSTGRES_ADMIN_URL, sqlalchemy_url
from tests.factories import gen_organization, gen_owner
from tests.support.ports import free_port
from tests.support.servers import REPO_ROOT
from tests.support.smtp import SmtpServer

ENTRYPOINT = REPO_ROOT / "entrypoint.sh"
# The console scripts the image has on its PATH (scim-gateway, gunicorn) are this venv's.
BIN = Path(sys.executable).parent


def environment(database_url: str, **settings: str) -> dict[str, str]:
    """Return an environment as a container gets it: no SCIM_GATEWAY_* but these."""
    env = {
        name: value for name, value in os.environ.items() if not name.startswith("SCIM_GATEWAY_")
    }
    env.update(
        {
            "PATH": f"{BIN}{os.pathsep}{env.get('PATH', '')}",
            # The tree under test, whichever tree the venv was installed from.
            "PYTHONPATH": str(REPO_ROOT),
            "SCIM_GATEWAY_DATABASE_URL": database_url,
            "SCIM_GATEWAY_SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
            "SCIM_GATEWAY_ENCRYPTION_KEY": TEST_CONFIG["ENCRYPTION_KEY"],
            "SCIM_GATEWAY_PUBLIC_URL": "https://seats.example.test",
            **{f"SCIM_GATEWAY_{name}": value for name, value in settings.items()},
        }
    )
    return env


def run(role: str, env: Mapping[str, str]) -> subprocess.CompletedProcess[str]:
    """Run a role that ends by itself, from another directory, as the container would."""
    return subprocess.run(
        [str(ENTRYPOINT), role],
        cwd="/",
        env=dict(env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


# Run through the entrypoint's command-line arm: the app as a role builds it, in Spanish.
SPANISH_TEXT = """
from flask_babel import force_locale, gettext
from scim_gateway import create_app
with create_app().test_request_context(), force_locale("es"):
    print(gettext("Billing settings"))
"""


@contextmanager
def started(role: str, env: Mapping[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """Run a long-lived role; stop it with SIGTERM as `docker stop` does."""
    with tempfile.TemporaryFile() as log:
        process = subprocess.Popen(
            [str(ENTRYPOINT), role], cwd="/", env=dict(env), stdout=log, stderr=subprocess.STDOUT
        )
        try:
            yield process
        finally:
            if process.poll() is None:
                process.send_signal(signal.SIGTERM)
                try:
                    process.wait(timeout=20)
                except subprocess.TimeoutExpired:
                    process.kill()
                    process.wait()
            log.seek(0)
            sys.stderr.write(log.read().decode(errors="replace")[-3000:])


@pytest.fixture
def empty_postgres() -> Iterator[str]:
    """An empty PostgreSQL database, not migrated."""
    name = f"scimgw_entry_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(POSTGRES_ADMIN_URL, autocommit=True, connect_timeout=5) as admin:
        admin.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
        try:
            yield sqlalchemy_url(f"{POSTGRES_ADMIN_URL.rpartition('/')[0]}/{name}")
        finally:
            admin.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(name)))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def empty_database(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database the migrate role starts from, on SQLite and PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'gateway.db'}"
    url: str = request.getfixturevalue("empty_postgres")
    return url


def test_migrate_creates_the_schema(empty_database):
    outcome = run("migrate", environment(empty_database))

    assert outcome.returncode == 0, outcome.stderr
    assert "Database is up to date." in outcome.stdout
    engine = make_engine(empty_database)
    try:
        tables = set(inspect(engine).get_table_names())
    finally:
        engine.dispose()
    assert {"organization", "contract", "member", "outbox", "alembic_version"} <= tables


@pytest.mark.parametrize("role", ["web", "worker"])
def test_every_role_refuses_to_start_without_a_public_url(role, tmp_path):
    env = environment(f"sqlite:///{tmp_path / 'gateway.db'}")
    del env["SCIM_GATEWAY_PUBLIC_URL"]
    env["BIND"] = f"127.0.0.1:{free_port()}"

    outcome = run(role, env)

    assert outcome.returncode == 1
    assert outcome.stderr.strip().splitlines() == [
        "Error: Missing configuration: set SCIM_GATEWAY_PUBLIC_URL to the URL people and "
        "identity providers reach the gateway at (like https://seats.example.com); mail and "
        "SSO links are built from it"
    ]
    assert not (tmp_path / "gateway.db").exists()


def test_the_roles_read_the_compiled_spanish_catalog(tmp_path):
    env = environment(f"sqlite:///{tmp_path / 'gateway.db'}")

    outcome = subprocess.run(
        [str(ENTRYPOINT), "python", "-c", SPANISH_TEXT],
        cwd="/",
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )

    # The image compiles the catalogs when it is built (Dockerfile); the tests, when they
    # start (tests/conftest.py). Without a compiled catalog the text would stay English.
    assert outcome.returncode == 0, outcome.stderr
    assert outcome.stdout.strip() == "Configuración de facturación"


def test_web_serves_with_metrics_closed_and_stops_on_sigterm(tmp_path):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    port = free_port()
    env = {**environment(url), "BIND": f"127.0.0.1:{port}", "WEB_CONCURRENCY": "1"}
    assert run("migrate", env).returncode == 0

    with started("web", env) as web:
        deadline = time.monotonic() + 60
        while True:
            assert web.poll() is None, "gunicorn exited"
            assert time.monotonic() < deadline, "gunicorn never answered /healthz"
            try:
                health = requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except (requests.ConnectionError, requests.Timeout):
                time.sleep(0.2)
        ready = requests.get(f"http://127.0.0.1:{port}/readyz", timeout=5)
        metrics = requests.get(f"http://127.0.0.1:{port}/metrics", timeout=5)
        web.send_signal(signal.SIGTERM)
        stopped = web.wait(timeout=20)

    assert health.status_code == ready.status_code == 200
    assert metrics.status_code == 403
    assert "SCIM_GATEWAY_METRICS_TOKEN" in metrics.text
    assert stopped == 0


def test_the_worker_renews_ended_terms_and_mails_the_alerts(tmp_path, smtp_server: SmtpServer):
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    env = environment(
        url,
        SMTP_HOST=smtp_server.host,
        SMTP_PORT=str(smtp_server.port),
        ALERT_POLL_SECONDS="0.2",
    )
    assert run("migrate", env).returncode == 0
    engine = make_engine(url)
    sessions = make_sessionmaker(engine)
    # A term that ended long ago: nothing but the worker's daily jobs renews it.
    with sessions.begin() as session:
        organization = gen_organization(session, start=date(2024, 1, 1))
        gen_owner(session, organization, "ann@acme.test")
        organization_id = organization.id

    try:
        with started("worker", env) as worker:
            received = smtp_server.wait_for(1, timeout=60)
            worker.send_signal(signal.SIGTERM)
            stopped = worker.wait(timeout=20)
        with sessions() as session:
            contract = contract_of(session, organization_id)
            term_end = contract.term_end
    finally:
        engine.dispose()

    assert stopped == 0
    assert term_end > date.today()
    assert received[0].rcpt_tos == ["ann@acme.test"]
    assert "renew" in received[0].message["Subject"].lower()
