"""SCIM tokens from the command line: shown once, stored hashed, revocable."""

from __future__ import annotations

import json

from click.testing import CliRunner
from flask import Flask
from sqlalchemy import select

from scim_gateway.cli import cli
from scim_gateway.db import transaction
from seat_core.models import ApiToken
from tests.conftest import TEST_CONFIG

from .conftest import BASE, Scim


def run(app: Flask, *args: str) -> str:
    env = {
        "SCIM_GATEWAY_DATABASE_URL": app.config["DATABASE_URL"],
        "SCIM_GATEWAY_SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
        "SCIM_GATEWAY_ENCRYPTION_KEY": TEST_CONFIG["ENCRYPTION_KEY"],
    }
    result = CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_a_token_is_printed_once_alone_and_stored_only_as_a_hash(scim: Scim) -> None:
    token = run(scim.app, "token", "issue", "--org", "acme").strip()

    with scim.app.app_context(), transaction() as session:
        stored = session.scalars(select(ApiToken.token_hash)).all()

    assert token.startswith("scim_") and "\n" not in token
    assert token not in stored
    assert (
        scim.client.get(f"{BASE}/Users", headers={"Authorization": f"Bearer {token}"}).status_code
        == 200
    )


def test_tokens_are_listed_without_secrets_and_a_revoked_one_stops_working(scim: Scim) -> None:
    issued = json.loads(
        run(scim.app, "token", "issue", "--org", "acme", "--json", "--label", "okta")
    )

    listed = json.loads(run(scim.app, "token", "list", "--org", "acme", "--json"))
    run(scim.app, "token", "revoke", "--org", "acme", str(issued["id"]))
    headers = {"Authorization": f"Bearer {issued['token']}"}

    assert issued["token"] not in json.dumps(listed)
    assert [t["label"] for t in listed if t["id"] == issued["id"]] == ["okta"]
    assert scim.client.get(f"{BASE}/Users", headers=headers).status_code == 401
    assert scim.get("/Users").status_code == 200, "the other token still works"
