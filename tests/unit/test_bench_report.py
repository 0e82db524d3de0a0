"""The benchmark's report: targets marked PASS or FAIL, JSON and Markdown written."""

import json

from bench.report import markdown, targets, write

MACHINE = {
    "cpu": "Test CPU",
    "cores": 2,
    "memory_gib": 4.0,
    "os": "Linux",
    "python": "3.11",
    "workers": 4,
    "clients": 4,
    "seconds": 5,
    "warmup": 1,
    "load_average": "0.10 0.10 0.10",
}


def row(operation, p50, errors=0):
    return {
        "operation": operation,
        "requests": 100,
        "errors": errors,
        "seconds": 5.0,
        "rps": 20.0,
        "p50_ms": p50,
        "p95_ms": p50 * 2,
        "p99_ms": p50 * 3,
        "mean_ms": p50,
        "max_ms": p50 * 4,
        "server_cpu_ms_per_request": 3.0,
        "client_cpu_share": 0.01,
        "rss_mib_per_worker": [100.0, 101.0],
        "error_samples": [],
    }


def phase(members, rows, rss):
    return {
        "members": members,
        "operations": rows,
        "rss_mib_per_worker": rss,
        "plans": {
            "GET id": {
                "status": 200,
                "statements": [{"sql": "SELECT 1", "plan": ["x"], "scan": False}],
            }
        },
        "server_log_error_count": 0,
    }


def result(large_lookup_ms=11.0, active_ms=10.5, errors=0, large_rss=(100.0, 100.0)):
    small = phase(
        1000,
        [row("GET userName", 10.0), row("POST active", 10.5), row("POST inactive", 10.0)],
        [100.0, 100.0],
    )
    large = phase(
        100000,
        [
            row("GET userName", large_lookup_ms, errors=errors),
            row("POST active", active_ms),
            row("POST inactive", 10.0),
        ],
        list(large_rss),
    )
    race = {
        "activations": 500,
        "seats": 100,
        "succeeded": 100,
        "refused": 400,
        "other": 0,
        "settle_seconds": 3.0,
        "passed": True,
        "invariant": {"seats_used": 100},
    }
    sync = {
        "users": 10000,
        "clients": 16,
        "created": 10000,
        "errors": 0,
        "completed": True,
        "seconds": 100.0,
        "users_per_second": 100.0,
        "p50_ms": 150.0,
        "p99_ms": 400.0,
    }
    return {
        "database": "sqlite",
        "phases": [small, large],
        "initial_sync": sync,
        "seat_race": race,
    }


def verdicts(checks):
    return {check["target"].split(" at ")[0].split(" (")[0]: check["passed"] for check in checks}


def test_every_target_passes_when_the_numbers_are_within_them():
    checks = targets(result())

    assert all(check["passed"] for check in checks), checks


def test_a_lookup_slower_than_one_and_a_half_times_fails():
    checks = targets(result(large_lookup_ms=15.1))

    assert verdicts(checks)["GET userName p50"] is False


def test_a_seat_gate_of_a_millisecond_or_more_fails():
    checks = targets(result(active_ms=11.0))

    failed = [check["target"] for check in checks if not check["passed"]]
    assert failed == ["seat gate at 100,000 members adds < 1.0 ms p50"]


def test_any_error_under_load_fails():
    checks = targets(result(errors=1))

    failed = [check["target"] for check in checks if not check["passed"]]
    assert failed == ["no errors under load (responses and server log)"]


def test_memory_growing_more_than_a_tenth_fails():
    checks = targets(result(large_rss=(115.0, 115.0)))

    assert verdicts(checks)["memory per worker flat"] is False


def test_the_report_is_written_as_json_per_database_and_one_markdown_table(tmp_path):
    results = [{**result(), "targets": targets(result())}]

    paths = write(tmp_path, "2025-01-02", MACHINE, results)

    assert [path.name for path in paths] == ["2025-01-02-sqlite.json", "2025-01-02.md"]
    document = json.loads(paths[0].read_text())
    assert document["machine"]["cpu"] == "Test CPU"
    assert document["phases"][1]["members"] == 100000
    table = paths[1].read_text()
    assert "| sqlite | 100,000 | GET userName | 20.0 | 11.0 |" in table
    assert "100 of 500 got one of 100 seats" in table
    assert "**FAIL**" not in table


def test_the_markdown_marks_failed_targets():
    failing = result(active_ms=12.0)

    text = markdown("2025-01-02", MACHINE, [{**failing, "targets": targets(failing)}])

    assert "| sqlite | seat gate at 100,000 members adds < 1.0 ms p50 | +2.00 ms" in text
    assert "**FAIL**" in text


def test_a_plan_that_walks_the_whole_organization_counts_as_a_scan():
    from bench.plans import scans

    assert scans(["SEARCH member USING INDEX ix_member_org_created (organization_id=?)"])
    assert scans(["Seq Scan on member  (cost=0.00..10.00 rows=1 width=8)"])
    searched = "SEARCH member USING INDEX ix_member_org_external_id"
    assert not scans([f"{searched} (organization_id=? AND external_id=?)"])
    assert not scans(["Index Scan using uq_member_organization_id_user_name_key on member"])


def test_the_gate_from_a_single_client_is_reported_beside_the_targets_not_as_one():
    alone = result()
    active = {**row("POST active, 1 client", 8.3), "gate_interval_ms": [0.1, 0.5]}
    alone["phases"][1]["operations"] += [active, row("POST inactive, 1 client", 8.0)]

    checks = targets(alone)
    text = markdown("2025-01-02", MACHINE, [{**alone, "targets": checks}])

    assert not any("1 client" in check["target"] for check in checks)
    assert (
        "Seat gate from a single client, sqlite at 100,000 members (not a target: its cost "
        "without CPU contention): +0.30 ms (active 8.30, inactive 8.00, 95% interval "
        "+0.10 to +0.50)."
    ) in text
