"""`seats policy` and `seats reclaim` on the command line, on SQLite and PostgreSQL."""

import json

import pytest
from sqlalchemy import select

from scim_gateway.cli import main
from seat_core import get_organization, make_engine, make_sessionmaker, set_group_members
from seat_core.models import Contract
from tests.factories import AT, gen_group, gen_member, seat_holders

from .test_cli import acme  # noqa: F401  (a fixture; run is the tier's, in conftest)


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


def holders(database_url, names=("ann", "bob", "cy")):
    """Give the members seats, ann in Engineering; return the holders read back."""
    engine = make_engine(database_url)
    try:
        with make_sessionmaker(engine).begin() as session:
            if names:
                organization = get_organization(session, "acme")
                ids = [gen_member(session, organization, name).id for name in names]
                group = gen_group(session, organization, "Engineering")
                set_group_members(session, group, ids[:1], at=AT)
            return seat_holders(session), session.scalar(select(Contract.seats_used))
    finally:
        engine.dispose()


def test_licensed_groups_that_would_release_seats_need_yes(run, acme, database_url):  # noqa: F811
    holders(database_url)

    refused, printed = run("seats", "policy", "--org", "acme", "--licensed-group", "Engineering")
    _, as_json = run(
        "seats", "policy", "--org", "acme", "--licensed-group", "Engineering", "--json"
    )
    after_refusal = (
        holders(database_url, names=()),
        json.loads(run("seats", "policy", "--org", "acme", "--json")[1])["licensed_groups"],
    )
    confirmed, done = run(
        "seats", "policy", "--org", "acme", "--licensed-group", "Engineering", "--yes", "--json"
    )

    assert refused == 1
    assert printed == (
        "2 seat holders in none of the licensed groups would lose their seat: bob, cy. "
        "Nothing was saved: add --yes to release them.\n"
    )
    assert json.loads(as_json) == {"seats_to_release": 2, "members": ["bob", "cy"]}
    assert after_refusal == ((["ann", "bob", "cy"], 3), [])
    assert confirmed == 0
    assert json.loads(done)["seats_released"] == 2
    assert holders(database_url, names=()) == (["ann"], 1)
