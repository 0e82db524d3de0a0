"""`scim-gateway sso set` and `sso show`."""

from __future__ import annotations

import json
from typing import Any

import pytest

from scim_gateway import create_app
from scim_gateway.sso.clients import load_provider
from tests.api.sso.cli import Run, acme_cli
from tests.conftest import TEST_CONFIG

SET = ("sso", "set", "--org", "acme", "--json")
FULL = (
    *("--issuer", "https://acme.okta.example/", "--client-id", "0oa1"),
    *("--client-secret-stdin", "--domains", "Acme.test, acme.example"),
    *("--product-url", "https://product.example/acme"),
)


@pytest.fixture
def run(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Run:
    """Run a command against a database with the organization acme; return (code, output)."""
    return acme_cli(sqlite_url, "https://seats.example", monkeypatch)


def test_sets_up_sso_with_the_secret_encrypted_and_prints_what_to_register(
    run: Run, sqlite_url: str
) -> None:
    code, output = run(*SET, *FULL, input="top-secret\n")

    shown = json.loads(output)
    assert code == 0
    assert shown["redirect_uri"] == "https://seats.example/sso/acme/callback"
    assert shown["issuer"] == "https://acme.okta.example" and shown["jit"] is True
    assert shown["domains"] == "acme.example,acme.test" and "top-secret" not in output
    app = create_app({**TEST_CONFIG, "DATABASE_URL": sqlite_url})
    with app.app_context(), app.extensions["db"].sessions() as session:
        provider: Any = load_provider(session, "acme")
        assert provider.client_secret == "top-secret"


def test_changes_only_the_options_given_and_show_prints_the_result(run: Run) -> None:
    run(*SET, *FULL, input="top-secret\n")

    code, _ = run(*SET, "--no-jit", "--domains", "")
    _, output = run("sso", "show", "--org", "acme", "--json")

    shown = json.loads(output)
    assert code == 0 and shown["jit"] is False and shown["domains"] == "(any)"
    assert shown["client_id"] == "0oa1" and shown["client_secret"] == "(set, encrypted)"


@pytest.mark.parametrize(
    ("args", "says"),
    [
        (("--issuer", "https://idp.example"), "has no OpenID Connect SSO yet"),
        (("--issuer", "http://idp.example", *FULL[2:]), "not an https URL"),
        ((*FULL[:-2], "--product-url", "javascript:alert(1)"), "not an https URL"),
        ((*FULL[:5], "--domains", "acme test", *FULL[7:]), "not a domain"),
    ],
    ids=["incomplete", "http-issuer", "bad-product-url", "bad-domain"],
)
def test_refuses_incomplete_or_unsafe_settings(run: Run, args: tuple[str, ...], says: str) -> None:
    code, output = run(*SET, *args, input="top-secret\n")

    assert code != 0 and says in output


def test_show_says_when_an_organization_has_no_sso(run: Run) -> None:
    code, output = run("sso", "show", "--org", "acme")

    assert code != 0 and "has no SSO" in output
