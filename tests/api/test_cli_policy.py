"""`seats policy` and `seats reclaim` on the command line, on SQLite and PostgreSQL."""

import json

import pytest

from scim_gateway.cli import main

from .test_cli import acme, run  # noqa: F401  (fixtures)


def test_policy_prints_the_defaults_then_changes_only_the_parts_given(run, acme):  # noqa: F811
    _, shown = run("seats", "policy", "--org", "acme", "--json")
    _, licensed = run(
        "seats", "policy", "--org", "acme", "--licensed-group", "Engineering",
        "--licensed-group", "Support", "--json",
    )  # fmt: skip
    _, reclaiming = run(
        "seats", "policy", "--org", "acme", "--reclaim-after-days", "30",
        "--exempt-group", "Executives", "--json",
    )  # fmt: skip
    code, off = run("seats", "policy", "--org", "acme", "--no-licensed-groups", "--no-reclaim")
    _, final = run("seats", "policy", "--org", "acme", "--json")

    assert json.loads(shown) == {
        "licensed_groups": [],
        "reclaim_after_days": None,
        "exempt_groups": [],
    }
    assert json.loads(licensed)["licensed_groups"] == ["Engineering", "Support"]
    assert json.loads(reclaiming)["licensed_groups"] == ["Engineering", "Support"]
    assert code == 0 and "reclaim after days" in off and "off" in off
    assert json.loads(final) == {
        "licensed_groups": [],
        "reclaim_after_days": None,
        "exempt_groups": ["Executives"],
    }


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["--reclaim-after-days", "10"], 1, "between 14 and 3650, not 10"),
        (["--reclaim-after-days", "30", "--no-reclaim"], 2, "not both"),
        (["--licensed-group", "A", "--no-licensed-groups"], 2, "not both"),
    ],
)
def test_policy_refuses_what_cannot_hold(run, acme, args, code, message, capsys):  # noqa: F811
    with pytest.raises(SystemExit) as exited:
        main(["seats", "policy", "--org", "acme", *args])

    assert exited.value.code == code
    assert message in capsys.readouterr().err
    _, shown = run("seats", "policy", "--org", "acme", "--json")
    assert json.loads(shown)["reclaim_after_days"] is None


def test_reclaim_does_nothing_for_an_organization_without_reclamation(run, acme):  # noqa: F811
    code, output = run("seats", "reclaim", "--on", "2025-06-01", "--json")

    assert code == 0
    assert json.loads(output) == {"organizations": []}
