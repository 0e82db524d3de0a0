"""`scim-gateway operator token issue|list|revoke`, on SQLite and PostgreSQL."""

import json
from datetime import UTC, datetime, timedelta

from scim_gateway import create_app
from tests.conftest import TEST_CONFIG


def test_issues_a_token_that_opens_the_operator_api_until_revoked(run, database_url):
    code, output = run(
        "operator", "token", "issue", "--label", "crm", "--expires-in-days", "30", "--json"
    )
    issued = json.loads(output)
    app = create_app({**TEST_CONFIG, "DATABASE_URL": database_url})
    client = app.test_client()
    headers = {"Authorization": f"Bearer {issued['token']}"}

    works = client.get("/api/v1/operator/orgs", headers=headers).status_code
    _, listed = run("operator", "token", "list", "--json")
    revoke_code, _ = run("operator", "token", "revoke", str(issued["id"]))
    again_code, again = run("operator", "token", "revoke", str(issued["id"]))
    after = client.get("/api/v1/operator/orgs", headers=headers).status_code
    app.extensions["db"].dispose()

    assert code == 0
    assert set(issued) == {"token", "id", "expires_at"}
    expires = datetime.fromisoformat(issued["expires_at"])
    assert timedelta(days=29) < expires - datetime.now(UTC) <= timedelta(days=30)
    assert works == 200
    (row,) = json.loads(listed)
    assert (row["id"], row["label"], row["live"]) == (issued["id"], "crm", True)
    assert issued["token"] not in listed
    assert row["last_used_at"] is not None
    assert revoke_code == 0 and after == 401
    assert again_code != 0 and "No live operator token" in again


def test_a_token_expires_in_90_days_unless_told_and_never_lives_past_two_years(run):
    code, output = run("operator", "token", "issue", "--label", "support", "--json")
    too_long, _ = run("operator", "token", "issue", "--label", "x", "--expires-in-days", "9999")
    no_label, _ = run("operator", "token", "issue", "--json")

    expires = datetime.fromisoformat(json.loads(output)["expires_at"])
    assert code == 0
    assert timedelta(days=89) < expires - datetime.now(UTC) <= timedelta(days=90)
    assert too_long != 0 and no_label != 0
