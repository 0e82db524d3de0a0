"""The peer comparison's report: ratios, targets and table rows, with no server running."""

from bench.client import found_one
from bench.peer_app import mount
from bench.peer_report import (
    CEILING,
    CREATES,
    LOOKUPS,
    PAGES,
    PEER,
    UNWRITTEN,
    combined,
    durable,
    floor,
    floor_table,
    markdown,
    peer_targets,
    ratio,
    summary,
    table,
)
from bench.pooler_report import (
    POOLED,
    UNPREPARED,
    pooler_lines,
    pooler_section,
    pooler_table,
    pooler_targets,
)

FLOOR = floor("sqlite")


def row(server, users, operation, rps, cpu=2.0):
    return {
        "server": server,
        "users": users,
        "operation": operation,
        "rps": rps,
        "p50_ms": 10.0,
        "p99_ms": 30.0,
        "errors": 0,
        "server_cpu_ms_per_request": cpu,
        "client_cpu_share": 0.02,
    }


def measured(
    users=2000, gateway_creates=400.0, gateway_lookups=1200.0, page_cpu=40.0, kind="sqlite"
):
    return [
        row(f"gateway ({kind})", users, CREATES, gateway_creates),
        row(f"gateway ({kind})", users, LOOKUPS, gateway_lookups),
        row(f"gateway ({kind})", users, PAGES, 20.0, cpu=page_cpu),
        row(durable(kind), users, CREATES, 500.0, cpu=2.5),
        row(durable(kind), users, LOOKUPS, 500.0, cpu=2.5),
        row(PEER, users, CREATES, 800.0),
        row(PEER, users, LOOKUPS, 700.0),
        row(CEILING, users, CREATES, 3200.0),
        row(CEILING, users, LOOKUPS, 3500.0),
    ]


def test_a_ratio_is_missing_when_a_figure_is_missing_or_the_divisor_is_zero():
    assert ratio(400.0, 800.0) == 0.5
    assert ratio(None, 800.0) is None
    assert ratio(400.0, None) is None
    assert ratio(400.0, 0.0) is None


def test_the_summary_divides_the_gateway_by_the_durable_peer_the_memory_one_and_the_ceiling():
    [line] = summary(measured(), ["sqlite"])

    assert line["users"] == 2000
    assert line[CREATES]["vs_durable"] == 0.8
    assert line[CREATES]["vs_memory"] == 0.5
    assert line[CREATES]["vs_ceiling"] == 0.125
    assert line[LOOKUPS]["vs_durable"] == 1200.0 / 500.0
    assert line["page_cpu_ms"] == 40.0
    assert (line[CREATES]["cpu_ms"], line[CREATES]["durable_cpu_ms"]) == (2.0, 2.5)


def test_creates_fail_below_the_durable_peer_and_floor_while_lookups_pass_above_twice_it():
    rows = [*measured(), row(FLOOR, 2000, CREATES, 500.0)]

    checks = peer_targets(rows, ["sqlite"])

    verdicts = {check["target"]: check["passed"] for check in checks}
    assert verdicts == {
        "sqlite, 2,000 users: creates ≥ 1.3x django-scim2 (sqlite)": False,
        "sqlite, 2,000 users: creates ≥ 0.9x durable floor (sqlite)": False,
        "sqlite, 2,000 users: lookups by userName ≥ 2.0x django-scim2 (sqlite)": True,
        "sqlite, 2,000 users: a page of 100 < 15 ms server CPU": False,
    }
    assert checks[0]["value"] == "400 / 500 req/s = 0.80x (the floor: 1.00x)"
    assert checks[1]["value"] == "400 / 500 req/s = 0.80x"
    assert checks[2]["value"] == "1200 / 500 req/s = 2.40x"


def test_postgresql_asks_one_and_a_half_times_the_peer_for_lookups_and_has_no_floor():
    rows = measured(kind="postgresql", gateway_creates=650.0, gateway_lookups=750.0, page_cpu=9)

    checks = peer_targets(rows, ["postgresql"])

    assert [(check["target"], check["passed"]) for check in checks] == [
        ("postgresql, 2,000 users: creates ≥ 1.3x django-scim2 (postgresql)", True),
        ("postgresql, 2,000 users: lookups by userName ≥ 1.5x django-scim2 (postgresql)", True),
        ("postgresql, 2,000 users: a page of 100 < 15 ms server CPU", True),
    ]


def test_a_database_that_was_not_measured_fails_as_not_measured():
    checks = peer_targets(measured(), ["sqlite", "postgresql"])

    missing = [check for check in checks if check["database"] == "postgresql"]
    assert [check["value"] for check in missing] == ["not measured"] * 3
    assert not any(check["passed"] for check in missing)


def test_the_table_has_a_row_per_size_and_database_with_each_servers_rate():
    rows = measured(2000) + measured(50000, gateway_creates=320.0)
    rows.append(row(FLOOR, 2000, CREATES, 500.0))

    lines = table(rows, ["sqlite"])

    assert len(lines) == 4
    assert lines[2] == (
        "| 2,000 | sqlite | 400 · 500 · 500 · 800 · 3200 | 0.80x · 0.80x "
        "| 1200 · 500 · — · 700 · 3500 | 2.40x · — | 2.0 · 2.0 vs 2.5 · 2.5 | 40.0 |"
    )
    assert lines[3].startswith("| 50,000 | sqlite | 320 · 500 · — · 800 · 3200 | 0.64x · — |")


def test_the_markdown_report_marks_each_target_and_says_what_each_server_does():
    rows = measured()
    result = {
        "clients": 8,
        "databases": ["sqlite"],
        "rows": rows,
        "targets": peer_targets(rows, ["sqlite"]),
        "versions": {"scim2-server": "0.8.3", "django-scim2": "0.23.0", "django": "5.2.19"},
    }
    machine = {"cpu": "Test CPU", "cores": 2, "os": "Linux", "python": "3.11", "workers": 4}
    machine |= {"seconds": 5, "warmup": 1, "load_average": "0.1 0.1 0.1"}

    text = markdown("2026-11-29", machine, result)

    assert "scim2-server 0.8.3** in memory" in text
    assert "django-scim2 0.23.0** (`bench/django_peer/`, the durable peer) on Django 5.2.19" in text
    assert text.count("**FAIL**") == 3
    assert text.count("| PASS |") == 1


def test_a_lookup_counts_only_when_its_answer_holds_exactly_the_user():
    one = b'{"totalResults": 1, "Resources": [{"userName": "ann@x.example", "emails": []}]}'
    two = b'[{"userName": "ann@x.example"}, {"userName": "bob@x.example"}]'

    assert found_one(one, b'"ann@x.example"')
    assert not found_one(one, b'"bob@x.example"')
    assert not found_one(two, b'"ann@x.example"')
    assert not found_one(b'{"totalResults": 0, "Resources": []}', b'"ann@x.example"')


def test_the_peer_is_mounted_under_the_gateways_prefix_and_answers_with_a_length():
    seen = {}

    def inner(environ, start_response):
        seen["script"], seen["path"] = environ["SCRIPT_NAME"], environ["PATH_INFO"]
        start_response("201 Created", [("Content-Type", "application/scim+json")])
        return [b'{"id":', b' "1"}']

    answers = []
    app = mount(inner)

    body = b"".join(app({"PATH_INFO": "/scim/v2/Users"}, lambda *a: answers.append(a)))

    assert seen == {"script": "/scim", "path": "/v2/Users"}
    assert body == b'{"id": "1"}'
    assert ("Content-Length", "11") in answers[0][1]


FIGURES = [(800.0, 2.0, 0), (600.0, 2.6, 1), (900.0, 1.9, 2)]


def test_rounds_combine_into_each_figures_median_with_errors_summed():
    rounds = [
        {**row(PEER, 2000, CREATES, rps, cpu=cpu), "errors": errors, "round": turn}
        for turn, (rps, cpu, errors) in enumerate(
            [(800.0, 2.0, 0), (600.0, 2.6, 1), (900.0, 1.9, 2)]
        )
    ]
    (median,) = combined(rounds)
    assert (median["rps"], median["server_cpu_ms_per_request"]) == (800.0, 2.0)
    assert (median["errors"], median["rounds"], median["rps_range"]) == (3, 3, [600.0, 900.0])
    assert "round" not in median


def test_the_floor_table_sets_creates_beside_the_floor_and_the_durable_peer():
    rows = [
        *measured(gateway_creates=400.0),
        row(FLOOR, 2000, CREATES, 640.0, cpu=2.5),
        row(UNWRITTEN, 2000, CREATES, 1000.0, cpu=1.5),
    ]
    *_, line = floor_table(rows, ["sqlite", "postgresql"])
    assert line == (
        "| 2,000 | sqlite | 1000 · 640 · 400 · 500 | 2.00x · 1.28x · 0.80x | 0.62x "
        "| 1.5 · 2.5 · 2.0 · 2.5 |"
    )
    assert floor_table(measured(), ["sqlite"]) == []


def test_on_postgresql_the_floor_is_measured_as_on_sqlite_and_bounds_the_targets():
    rows = [
        *measured(kind="postgresql", gateway_creates=450.0, gateway_lookups=700.0),
        row(floor("postgresql"), 2000, CREATES, 600.0, cpu=1.8),
        row(floor("postgresql"), 2000, LOOKUPS, 1000.0, cpu=1.0),
        # Measured once, on the first database: it writes nothing.
        row(UNWRITTEN, 2000, CREATES, 1000.0, cpu=1.5),
    ]

    [creates] = floor_table(rows, ["postgresql"])[2:]
    [found] = floor_table(rows, ["postgresql"], LOOKUPS)[2:]
    checks = {check["target"]: check["value"] for check in peer_targets(rows, ["postgresql"])}

    assert creates == (
        "| 2,000 | postgresql | 1000 · 600 · 450 · 500 | 2.00x · 1.20x · 0.90x | 0.75x "
        "| 1.5 · 1.8 · 2.0 · 2.5 |"
    )
    assert found == (
        "| 2,000 | postgresql | 1000 · 700 · 500 | 2.00x · 1.40x | 0.70x | 1.0 · 2.0 · 2.5 |"
    )
    # 1.3x django-scim2 for creates is beyond the floor's own 1.2x; lookups' 1.5x is not.
    assert checks["postgresql, 2,000 users: creates ≥ 1.3x django-scim2 (postgresql)"] == (
        "450 / 500 req/s = 0.90x (the floor: 1.20x)"
    )
    lookups = "postgresql, 2,000 users: lookups by userName ≥ 1.5x django-scim2 (postgresql)"
    assert checks[lookups] == "700 / 500 req/s = 1.40x (the floor: 2.00x)"


def pooled(users=2000, creates=(600.0, 360.0, 350.0), lookups=(1500.0, 900.0, 800.0)):
    """The gateway on PostgreSQL straight, with nothing prepared, and through PgBouncer,
    beside the other servers."""
    rows = [
        each
        for each in measured(users, kind="postgresql")
        if not each["server"].startswith("gateway") or each["operation"] == PAGES
    ]
    servers = ("gateway (postgresql)", UNPREPARED, POOLED)
    return rows + [
        row(server, users, operation, rps, cpu=cpu)
        for operation, rates in ((CREATES, creates), (LOOKUPS, lookups))
        for server, rps, cpu in zip(servers, rates, (2.0, 3.0, 3.1), strict=True)
    ]


def test_the_pooler_lines_divide_unprepared_and_pooled_by_the_gateway_straight():
    [line] = pooler_lines(pooled())

    assert line["users"] == 2000
    assert line[CREATES]["unprepared_vs_direct"] == 360.0 / 600.0
    assert line[CREATES]["pooled_vs_direct"] == 350.0 / 600.0
    assert line[LOOKUPS]["pooled_vs_direct"] == 800.0 / 1500.0
    assert line[CREATES]["cpu_ms"] == {"direct": 2.0, "unprepared": 3.0, "pooled": 3.1}


def test_through_pgbouncer_passes_only_within_ten_percent_of_straight():
    rows = pooled(creates=(600.0, 560.0, 540.0))

    checks = pooler_targets(rows)

    assert [(check["target"], check["passed"], check["value"]) for check in checks] == [
        (
            "postgresql, 2,000 users: creates through PgBouncer ≥ 0.9x straight",
            True,
            "540 / 600 req/s = 0.90x",
        ),
        (
            "postgresql, 2,000 users: lookups by userName through PgBouncer ≥ 0.9x straight",
            False,
            "800 / 1500 req/s = 0.53x",
        ),
    ]


def test_without_a_pooled_gateway_there_is_no_pooler_check_table_or_section():
    rows = measured(kind="postgresql")

    assert pooler_lines(rows) == []
    assert pooler_table(rows) == []
    assert pooler_section(rows) == []
    assert pooler_targets(rows) == []


def test_the_pooler_table_sets_the_three_ways_side_by_side_in_the_report():
    rows = pooled()
    result = {"clients": 8, "databases": ["postgresql"], "rows": rows, "versions": {}}
    result["targets"] = peer_targets(rows, ["postgresql"]) + pooler_targets(rows)
    machine = {"cpu": "Test CPU", "cores": 2, "os": "Linux", "python": "3.11", "workers": 4}
    machine |= {"seconds": 5, "warmup": 1, "load_average": "0.1 0.1 0.1"}

    text = markdown("2026-12-07", machine, result, pooler_section(rows))

    assert "## Through PgBouncer" in text
    assert (
        "| 2,000 | 600 · 360 · 350 | 0.60x · 0.58x | 1500 · 900 · 800 | 0.60x · 0.53x "
        "| 2.0 / 2.0 · 3.0 / 3.0 · 3.1 / 3.1 |"
    ) in text
