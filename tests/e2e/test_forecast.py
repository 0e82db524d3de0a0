"""The forecast for real: gunicorn, the CLI, Chromium and SMTP, on SQLite and PostgreSQL.

Three organizations of 50 seats share one gateway, each with 40 days of history ending
today: "steady" took one seat a day (40 in use today), "spike" did the same and on one day
25 more people took a seat and gave it back, "flat" took ten seats 40 days ago.
"""

import json
from collections.abc import Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
from playwright.sync_api import Page, expect

from scim_gateway.admin.formatting import day
from seat_core import make_engine, make_sessionmaker
from tests.conftest import TEST_CONFIG
from tests.databases import fresh_sqlite, postgres_database
from tests.support.histories import seed
from tests.support.servers import PATIENT_STARTUP, run_cli, start_gunicorn

pytestmark = pytest.mark.xdist_group("forecast-e2e")

SHAPES = ("steady", "spike", "flat")
PASSWORD = "a long enough password"


@dataclass(frozen=True)
class World:
    env: dict[str, str]
    base_url: str
    # The day the histories end, read when the world is made.
    today: date
    # The lasting purchase of each organization, asked of the CLI once.
    purchases: dict[str, tuple[int, str]] = field(default_factory=dict)


def cli_json(env: dict[str, str], *args: str) -> dict:
    outcome = run_cli([*args, "--json"], env=env)
    assert outcome.returncode == 0, outcome.stderr
    return json.loads(outcome.stdout)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def world(request, sqlite_template, tmp_path_factory) -> Iterator[World]:
    """Create the three organizations with the operator's CLI, write their histories, and
    run the gateway on that database."""
    today = datetime.now(UTC).date()
    start = today - timedelta(days=100)
    with ExitStack() as stack:
        if request.param == "sqlite":
            url = fresh_sqlite(sqlite_template, tmp_path_factory.mktemp("forecast"))
        else:
            url = stack.enter_context(postgres_database())
        env = {
            "SCIM_GATEWAY_DATABASE_URL": url,
            "SCIM_GATEWAY_SECRET_KEY": TEST_CONFIG["SECRET_KEY"],
            "SCIM_GATEWAY_ENCRYPTION_KEY": TEST_CONFIG["ENCRYPTION_KEY"],
            "SCIM_GATEWAY_MAIL_FROM": "seats@gateway.test",
        }
        for shape in SHAPES:
            commands = [
                (["org", "create", "--slug", shape, "--name", shape.title(), "--seats", "50",
                  "--price-per-seat-year", "360.00", "--start", start.isoformat()], None),
                (["owner", "add", "--org", shape, "--email", f"ann@{shape}.test", "--role",
                  "primary_owner"], PASSWORD + "\n"),
            ]  # fmt: skip
            for args, stdin in commands:
                outcome = run_cli(args, env=env, input=stdin)
                assert outcome.returncode == 0, outcome.stderr
        engine = make_engine(url)
        with make_sessionmaker(engine).begin() as session:
            for shape in SHAPES:
                seed(session, shape, shape, today=today)
        engine.dispose()
        base_url = stack.enter_context(
            start_gunicorn(env, workers=1, startup_timeout=PATIENT_STARTUP)
        )
        yield World(env, base_url, today)


def lasting_purchase(world: World, slug: str) -> tuple[int, str]:
    """The seats a line of one seat a day, at 40 today, needs on the term's last day beyond
    the 50 purchased, and their price today from `seats quote`."""
    if slug in world.purchases:
        return world.purchases[slug]
    term_end = date.fromisoformat(cli_json(world.env, "seats", "usage", "--org", slug)["term_end"])
    seats = 40 + (term_end - timedelta(days=1) - world.today).days - 50
    quote = cli_json(world.env, "seats", "quote", "--org", slug, "--add", str(seats))
    world.purchases[slug] = (seats, quote["amount"])
    return world.purchases[slug]


@pytest.mark.parametrize("slug", ["steady", "spike"])
def test_seats_usage_projects_growth_and_ignores_the_spike(world, slug):
    seats, amount = lasting_purchase(world, slug)

    usage = cli_json(world.env, "seats", "usage", "--org", slug)

    assert (usage["seats_in_use"], usage["seats_purchased"]) == (40, 50)
    assert usage["forecast"] == {
        # One seat a day and ten left: the last is taken ten days from today.
        "runs_out_on": (world.today + timedelta(days=10)).isoformat(),
        "seats_per_30_days": 30.0,
        "recommended_add": seats,
        "recommended_amount": amount,
        "currency": "USD",
        "term_end": usage["term_end"],
        "basis": "runs_out",
        "history_days": 40,
    }


def test_seats_usage_of_a_flat_history_has_no_run_out_date(world):
    usage = cli_json(world.env, "seats", "usage", "--org", "flat")

    assert usage["seats_in_use"] == 10
    assert usage["forecast"]["runs_out_on"] is None
    assert usage["forecast"]["seats_per_30_days"] == 0
    assert (usage["forecast"]["recommended_add"], usage["forecast"]["recommended_amount"]) == (
        0,
        "0.00",
    )
    assert usage["forecast"]["basis"] == "not_growing"


def test_seats_usage_says_the_forecast_to_a_person(world):
    outcome = run_cli(["seats", "usage", "--org", "flat"], env=world.env)

    assert outcome.returncode == 0, outcome.stderr
    assert "no run-out date (+0 seats per 30 days)" in outcome.stdout


def sign_in(page: Page, world: World, slug: str) -> None:
    page.goto(f"{world.base_url}/admin/{slug}/login")
    page.get_by_label("Email").fill(f"ann@{slug}.test")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Billing settings")).to_be_visible()


@pytest.mark.parametrize("slug", ["steady", "spike"])
def test_billing_and_usage_show_the_run_out_day_one_click_from_the_review(
    world, page, screenshot, slug
):
    seats, amount = lasting_purchase(world, slug)
    runs_out = day(world.today + timedelta(days=10))
    sign_in(page, world, slug)

    expect(page.get_by_test_id("runs-out-on")).to_have_text(runs_out)
    expect(page.get_by_test_id("recommended-add")).to_have_text(f"{seats} seats")
    screenshot(page, "billing")
    page.get_by_role("link", name="Usage").click()
    expect(page.get_by_test_id("runs-out-on")).to_have_text(runs_out)
    expect(
        page.get_by_role("img", name=f"at the current pace 50 in use on {runs_out}")
    ).to_be_visible()
    screenshot(page, "usage")
    page.get_by_role("link", name=f"Review adding {seats} seats").click()

    expect(page.get_by_test_id("seats-added")).to_have_text(str(seats))
    expect(page.get_by_test_id("prorated-amount")).to_contain_text(f"{float(amount):,.2f}")
    expect(page.get_by_role("button", name="Update")).to_be_visible()
    screenshot(page, "review")


def test_a_flat_history_shows_no_run_out_day_and_no_purchase(world, page, screenshot):
    sign_in(page, world, "flat")

    expect(page.get_by_test_id("forecast")).to_contain_text("no run-out date")
    expect(page.get_by_test_id("runs-out-on")).to_have_count(0)
    page.get_by_role("link", name="Usage").click()
    expect(page.get_by_test_id("forecast")).to_contain_text("no run-out date")
    expect(page.get_by_role("link", name="Review adding")).to_have_count(0)
    screenshot(page, "usage")


def test_the_usage_alerts_mail_the_projection(world, smtp_server):
    seats, amount = lasting_purchase(world, "steady")
    env = {**world.env, "SCIM_GATEWAY_SMTP_HOST": smtp_server.host,
           "SCIM_GATEWAY_SMTP_PORT": str(smtp_server.port)}  # fmt: skip

    outcome = run_cli(["alerts", "deliver"], env=env, timeout=120)
    assert outcome.returncode == 0, outcome.stderr

    mails = {}
    for mail in smtp_server.wait_for(4, timeout=60):
        body = mail.message.get_body(("plain",)).get_content()
        mails.setdefault(mail.message["Subject"], []).append((mail.rcpt_tos, body))
    runs_out = (world.today + timedelta(days=10)).isoformat()
    # Steady reaches 80 % (40 of 50) today; the spike reached 80 and 90 % on its spike day
    # (25 extra seats on top of 21) and 80 % again today. Flat stays at 10 of 50.
    assert sorted(mails) == [
        "[Spike] 40 of 50 seats in use",
        "[Spike] 45 of 50 seats in use",
        "[Steady] 40 of 50 seats in use",
    ]
    [(recipients, steady)] = mails["[Steady] 40 of 50 seats in use"]
    assert recipients == ["ann@steady.test"]
    assert f"at the current pace (+30 seats per 30 days) seats run out on {runs_out}." in steady
    assert f"add {seats} seats, which last to the end of the term" in steady
    # Written as the pages write it, like "26,280.00 USD".
    assert f"for {Decimal(amount):,} USD (prorated)" in steady
    assert f"Add {seats} seats: " in steady
    assert f"/admin/steady/billing/seats/review?seats={seats}" in steady
    # Even the alert the spike itself fired projects the steady pace, not the spike's.
    for _, body in mails["[Spike] 45 of 50 seats in use"] + mails["[Spike] 40 of 50 seats in use"]:
        assert f"seats run out on {runs_out}." in body
