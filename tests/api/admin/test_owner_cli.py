"""The owner commands: add (password from stdin), list, token, remove."""

import json

import pytest


@pytest.fixture
def run(run):
    """The shared command runner, with Acme created first."""
    code, output = run(
        "org", "create", "--slug", "acme", "--name", "Acme", "--seats", "10",
        "--price-per-seat-year", "360.00", "--start", "2025-01-01",
    )  # fmt: skip
    assert code == 0, output
    return run


def test_owner_add_reads_the_password_from_stdin_and_list_shows_the_role(run):
    code, output = run(
        "owner", "add", "--org", "acme", "--email", "ann@acme.test", "--role", "primary_owner",
        input="a long enough password\n",
    )  # fmt: skip

    assert code == 0 and "Added Primary Owner ann@acme.test" in output
    assert "/admin/acme/login" in output
    code, listing = run("owner", "list", "--org", "acme", "--json")
    assert json.loads(listing)[0] | {"id": 0, "created_at": ""} == {
        "id": 0,
        "email": "ann@acme.test",
        "role": "primary_owner",
        "password": True,
        "created_at": "",
    }


def test_owner_add_refuses_a_short_password(run):
    code, output = run("owner", "add", "--org", "acme", "--email", "a@acme.test", input="short\n")

    assert code == 1 and "at least 12 characters" in output


def test_owner_add_refuses_an_unknown_role(run):
    code, output = run(
        "owner", "add", "--org", "acme", "--email", "a@acme.test", "--role", "admin",
        input="a long enough password\n",
    )  # fmt: skip

    assert code == 2 and "admin" in output


def test_owner_token_issues_an_api_token_for_the_owner(run):
    run("owner", "add", "--org", "acme", "--email", "bob@acme.test", "--sso-only")

    code, output = run("owner", "token", "--org", "acme", "--email", "bob@acme.test", "--json")

    assert code == 0 and json.loads(output)["token"].startswith("sgw_")


def test_owner_token_refuses_someone_who_is_not_an_owner(run):
    code, output = run("owner", "token", "--org", "acme", "--email", "eve@acme.test")

    assert code == 1 and "eve@acme.test is not an owner of acme" in output


def test_owner_remove_removes_the_owner(run):
    run("owner", "add", "--org", "acme", "--email", "bob@acme.test", "--sso-only")

    code, _ = run("owner", "remove", "--org", "acme", "--email", "bob@acme.test")

    assert code == 0
    assert json.loads(run("owner", "list", "--org", "acme", "--json")[1]) == []


def test_owner_remove_keeps_the_last_primary_owner(run):
    run("owner", "add", "--org", "acme", "--email", "ann@acme.test", "--sso-only",
        "--role", "primary_owner")  # fmt: skip

    code, _ = run("owner", "remove", "--org", "acme", "--email", "ann@acme.test")

    # Refused by the seat core (InvalidOwner), which main() prints as an error.
    assert code == 1
    listed = json.loads(run("owner", "list", "--org", "acme", "--json")[1])
    assert [owner["email"] for owner in listed] == ["ann@acme.test"]
