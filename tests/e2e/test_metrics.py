"""Under gunicorn with several workers: /metrics adds every worker up, and ids follow requests."""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from prometheus_client.parser import text_string_to_metric_families

from scim_gateway import create_app
from scim_gateway.db import transaction
from scim_gateway.tokens import issue_token
from tests.conftest import TEST_CONFIG
from tests.factories import gen_organization
from tests.support.servers import run_cli, start_gunicorn

KEY = "aWtbcxwtS1yd6S8x8Nn1GWmFz8Xq1QOTyhSU9Bd7Kzo="
METRICS_TOKEN = "metrics-e2e-token"
WORKERS = 3
USER = "urn:ietf:params:scim:schemas:core:2.0:User"
HISTOGRAM = "scim_gateway_http_request_duration_seconds"
Samples = dict[tuple[str, tuple[tuple[str, str], ...]], float]
# One gunicorn of 3 workers at a time from these tests.
pytestmark = pytest.mark.xdist_group("metrics-e2e")


@dataclass
class Gateway:
    url: str
    env: dict[str, str]
    token: str
    token_id: int
    metrics_dir: Path
    access_log: Path
    error_log: Path

    def scim(self, method: str, path: str, **options: Any) -> requests.Response:
        headers = {"Authorization": f"Bearer {self.token}", **options.pop("headers", {})}
        return requests.request(
            method, f"{self.url}/scim/v2{path}", headers=headers, timeout=10, **options
        )

    def scrape(self) -> Samples:
        response = requests.get(
            f"{self.url}/metrics",
            headers={"Authorization": f"Bearer {METRICS_TOKEN}"},
            timeout=10,
        )
        assert response.status_code == 200, response.text
        return {
            (sample.name, tuple(sorted(sample.labels.items()))): sample.value
            for family in text_string_to_metric_families(response.text)
            for sample in family.samples
        }

    def cli(self, *args: str) -> Any:
        outcome = run_cli(list(args), env=self.env)
        assert outcome.returncode == 0, outcome.stderr
        return json.loads(outcome.stdout) if "--json" in args else outcome.stdout


def value(samples: Samples, name: str, **labels: str) -> float:
    return samples.get((name, tuple(sorted(labels.items()))), 0.0)


@pytest.fixture
def gateway(database_url: str, tmp_path: Path) -> Iterator[Gateway]:
    """Run the gateway under gunicorn with 3 workers on a database with Acme (1 seat)."""
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    at = datetime.now(UTC)
    with app.app_context(), transaction() as session:
        acme = gen_organization(session, seats=1, start=date.today() - timedelta(days=30), at=at)
        row, token = issue_token(session, acme, kind="scim", at=at, label="okta")
        token_id = row.id
    app.extensions["db"].dispose()
    metrics_dir = tmp_path / "metrics"
    logs = tmp_path / "logs"
    logs.mkdir()
    env = {
        "SCIM_GATEWAY_DATABASE_URL": database_url,
        "SCIM_GATEWAY_SECRET_KEY": "metrics-e2e-secret-key",
        "SCIM_GATEWAY_ENCRYPTION_KEY": KEY,
        "SCIM_GATEWAY_METRICS_TOKEN": METRICS_TOKEN,
        # A revoked token is refused at once rather than within the cache's 2 s.
        "SCIM_GATEWAY_SCIM_TOKEN_CACHE_SECONDS": "0",
        "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir),
        # The workers' stderr (the app's JSON logs) and the access log, to files to read.
        "GUNICORN_CMD_ARGS": (
            f"--access-logfile={logs / 'access.log'} --error-logfile={logs / 'error.log'} "
            "--capture-output"
        ),
    }
    # A file of an earlier run would be counted: gunicorn.conf.py removes it at start.
    metrics_dir.mkdir()
    (metrics_dir / "counter_999999.db").write_bytes(b"stale")
    try:
        server = start_gunicorn(env, workers=WORKERS)
        url = server.__enter__()
    except RuntimeError as error:
        # gunicorn writes to the error log here, not to the output start_gunicorn shows.
        log = (logs / "error.log").read_text() if (logs / "error.log").exists() else ""
        raise RuntimeError(f"{error}\n{log[-4000:]}") from None
    try:
        yield Gateway(
            url, env, token, token_id, metrics_dir, logs / "access.log", logs / "error.log"
        )
    finally:
        server.__exit__(None, None, None)


def test_metrics_add_up_across_workers_and_match_the_database(gateway: Gateway) -> None:
    assert not (gateway.metrics_dir / "counter_999999.db").exists()
    # A SCIM create, a refusal (Acme is full), a purchase and a token revocation.
    created = gateway.scim("POST", "/Users", json={"schemas": [USER], "userName": "ann@acme.test"})
    refused = gateway.scim(
        "POST",
        "/Users",
        json={"schemas": [USER], "userName": "bob@acme.test"},
        headers={"X-Request-Id": "e2e-refusal-1"},
    )
    bought = gateway.cli("seats", "buy", "--org", "acme", "--add", "4", "--json")
    gateway.cli("token", "revoke", "--org", "acme", str(gateway.token_id))
    revoked = gateway.scim("GET", "/Users")
    assert (created.status_code, refused.status_code, revoked.status_code) == (201, 403, 401)
    assert refused.json()["scimType"] == "seatLimitReached"
    assert (bought["seats"], bought["seats_purchased"]) == (4, 5)

    # The token is enforced by every worker.
    for headers in ({}, {"Authorization": "Bearer wrong"}):
        answer = requests.get(f"{gateway.url}/metrics", headers=headers, timeout=10)
        assert answer.status_code == 401 and "scim_gateway" not in answer.text

    before = gateway.scrape()
    sent = 60
    with ThreadPoolExecutor(max_workers=6) as pool:
        statuses = list(
            pool.map(
                lambda _: requests.get(f"{gateway.url}/healthz", timeout=10).status_code,
                range(sent),
            )
        )
    after = gateway.scrape()
    usage = gateway.cli("seats", "usage", "--org", "acme", "--json")

    assert statuses == [200] * sent
    labels = {"route": "/healthz", "method": "GET", "status": "200"}
    counted = value(after, f"{HISTOGRAM}_count", **labels) - value(
        before, f"{HISTOGRAM}_count", **labels
    )
    assert counted == sent
    # More than one worker answered: each keeps its own file, which every scrape adds up.
    assert len(list(gateway.metrics_dir.glob("histogram_*.db"))) >= 2
    assert value(after, "scim_gateway_seats_used", organization="acme") == usage["seats_in_use"]
    purchased = value(after, "scim_gateway_seats_purchased", organization="acme")
    assert purchased == usage["seats_purchased"] == 5
    assert usage["seats_in_use"] == 1
    refusals = {"channel": "scim", "reason": "no_seat"}
    assert value(after, "scim_gateway_seat_refusals_total", **refusals) == 1
    scim = {"method": "POST", "route": "/scim/v2/Users"}
    assert value(after, f"{HISTOGRAM}_count", **scim, status="201") == 1
    assert value(after, f"{HISTOGRAM}_count", **scim, status="403") == 1
    assert value(after, f"{HISTOGRAM}_count", route="/scim/v2/Users", method="GET", status="401")
    assert value(after, f"{HISTOGRAM}_count", route="/metrics", method="GET", status="401") == 2
    assert value(after, "scim_gateway_database_up") == 1


def test_the_request_id_is_on_the_response_and_in_that_requests_log_lines(
    gateway: Gateway,
) -> None:
    refused_body = {"schemas": [USER], "userName": "bob@acme.test"}
    gateway.scim("POST", "/Users", json={"schemas": [USER], "userName": "ann@acme.test"})

    kept = gateway.scim("POST", "/Users", json=refused_body, headers={"X-Request-Id": "idp-7"})
    fresh = gateway.scim("POST", "/Users", json=refused_body)
    missing = requests.get(f"{gateway.url}/no/such/page", timeout=10)

    assert (kept.status_code, fresh.status_code, missing.status_code) == (403, 403, 404)
    assert kept.headers["X-Request-Id"] == "idp-7"
    fresh_id = fresh.headers["X-Request-Id"]
    assert re.fullmatch(r"[0-9a-f]{32}", fresh_id)
    assert re.fullmatch(r"[0-9a-f]{32}", missing.headers["X-Request-Id"])
    refusals = [
        entry for entry in _json_lines(gateway.error_log) if entry.get("event") == "seat.refused"
    ]
    assert [entry["request_id"] for entry in refusals] == ["idp-7", fresh_id]
    # gunicorn writes a request's access line just after its answer: wait for all three.
    ids = ["idp-7", fresh_id, missing.headers["X-Request-Id"]]
    access = _read_once_written(gateway.access_log, [f"request_id={one}\n" for one in ids])
    assert re.search(r'"POST /scim/v2/Users HTTP/1.1" 403 .* request_id=idp-7$', access, re.M)
    assert f"request_id={fresh_id}\n" in access
    assert '"GET /no/such/page HTTP/1.1" 404' in access
    assert f"request_id={missing.headers['X-Request-Id']}\n" in access


def _read_once_written(path: Path, texts: list[str], *, within: float = 10.0) -> str:
    """Return the file's content once it holds every text, waiting at most within seconds."""
    deadline = time.monotonic() + within
    content = path.read_text()
    while any(text not in content for text in texts) and time.monotonic() < deadline:
        time.sleep(0.05)
        content = path.read_text()
    return content


def _json_lines(path: Path) -> list[dict[str, Any]]:
    """Return the JSON objects of a log that also holds gunicorn's own plain lines."""
    entries = []
    for line in path.read_text().splitlines():
        if line.startswith("{"):
            entries.append(json.loads(line))
    return entries
