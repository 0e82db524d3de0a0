"""The benchmark's latency maths: nearest-rank percentiles and summaries."""

import math
import random

import pytest

from bench.stats import median_shift_interval, percentile, summarize


def test_a_percentile_is_an_observed_value_by_nearest_rank():
    values = [float(n) for n in range(1, 101)]

    assert percentile(values, 0.50) == 50.0
    assert percentile(values, 0.95) == 95.0
    assert percentile(values, 0.99) == 99.0
    assert percentile(values, 1.0) == 100.0


def test_a_percentile_of_few_values_rounds_the_rank_up():
    assert percentile([1.0, 2.0, 3.0], 0.5) == 2.0
    assert percentile([1.0, 2.0, 3.0], 0.99) == 3.0
    assert percentile([7.0], 0.5) == 7.0


def test_a_percentile_of_nothing_is_not_a_number():
    assert math.isnan(percentile([], 0.5))


def test_a_percentile_outside_zero_to_one_is_refused():
    with pytest.raises(ValueError, match="fraction"):
        percentile([1.0], 0.0)


def test_a_summary_reports_milliseconds_and_requests_per_second():
    latencies = [0.004, 0.001, 0.003, 0.002]

    summary = summarize(latencies, errors=1, seconds=2.0)

    assert summary.requests == 4
    assert summary.errors == 1
    assert summary.rps == 2.0
    assert summary.p50_ms == pytest.approx(2.0)
    assert summary.p99_ms == pytest.approx(4.0)
    assert summary.mean_ms == pytest.approx(2.5)
    assert summary.max_ms == pytest.approx(4.0)


def test_the_interval_of_a_median_shift_holds_the_shift_of_shifted_samples():
    rng = random.Random(7)
    faster = [rng.gauss(20.0, 3.0) for _ in range(2000)]
    slower = [value + 0.5 for value in faster]
    rng.shuffle(slower)

    low, high = median_shift_interval(slower, faster)

    assert low < 0.5 < high
    assert high - low < 0.6


def test_the_interval_of_identical_samples_holds_zero_and_of_nothing_is_not_a_number():
    samples = [float(n) for n in range(500)]

    low, high = median_shift_interval(samples, samples)

    assert low <= 0.0 <= high
    assert all(math.isnan(bound) for bound in median_shift_interval([], samples))
