"""The durable peer of the benchmark, django-scim2, run for real on a SQLite file.

Django's settings belong to a process, so the peer runs in a child process of its own.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

SCRIPT = """
import json
from bench.django_peer.seed import seed

seed("t", 0, 20)
from django.db import connection
from django.test import Client

from bench.users import user_body

client = Client()
token = {"HTTP_AUTHORIZATION": "Bearer tok"}
shouted = {"filter": 'userName eq "USER000003@t.bench.example"'}
found = client.get("/scim/v2/Users", shouted, **token)
body = user_body("new@t.bench.example", "ext-new", active=True)
created = client.post("/scim/v2/Users", body, content_type="application/scim+json", **token)
again = client.get("/scim/v2/Users", {"filter": 'userName eq "new@t.bench.example"'}, **token)
with connection.cursor() as cursor:
    cursor.execute("PRAGMA journal_mode")
    mode = cursor.fetchone()[0]
    cursor.execute(
        "EXPLAIN QUERY PLAN SELECT * FROM django_peer_user WHERE UPPER(username) = UPPER('a')"
    )
    plan = " ".join(str(row) for row in cursor.fetchall())
print(json.dumps({
    "anonymous": client.get("/scim/v2/Users").status_code,
    "found": found.json(),
    "created": [created.status_code, created.json()],
    "again": again.json()["totalResults"],
    "mode": mode,
    "plan": plan,
}))
"""


def test_the_durable_peer_finds_seeded_users_by_name_creates_and_refuses_no_token(tmp_path):
    env = {
        **os.environ,
        "PYTHONPATH": str(REPO),
        "BENCH_DJANGO_DATABASE": f"sqlite:///{tmp_path / 'peer.db'}",
        "BENCH_PEER_TOKEN": "tok",
        "DJANGO_SETTINGS_MODULE": "bench.django_peer.settings",
    }
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT], cwd=REPO, env=env, capture_output=True, check=True
    )

    out = json.loads(done.stdout.decode().splitlines()[-1])
    assert out["anonymous"] == 401
    assert out["found"]["totalResults"] == 1
    assert out["found"]["Resources"][0]["userName"] == "user000003@t.bench.example"
    assert out["found"]["Resources"][0]["id"] == "4"
    status, user = out["created"]
    assert (status, user["userName"], user["active"]) == (201, "new@t.bench.example", True)
    assert user["id"] == "21"
    assert out["again"] == 1
    assert out["mode"] == "wal"
    assert "bench_user_username_upper" in out["plan"]
