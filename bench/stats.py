"""Latency statistics: nearest-rank percentiles and per-operation summaries."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from dataclasses import dataclass


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Return the nearest-rank percentile of values sorted in ascending order.

    The nearest rank is an observed value (no interpolation), so a p99 of 100 samples is
    the 99th slowest request, not a blend of two.
    """
    if not sorted_values:
        return math.nan
    if not 0 < fraction <= 1:
        raise ValueError(f"fraction must be in (0, 1], not {fraction}")
    rank = math.ceil(fraction * len(sorted_values))
    return sorted_values[rank - 1]


@dataclass(frozen=True)
class Summary:
    """What one operation did within a timed run."""

    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    mean_ms: float
    max_ms: float

    @property
    def rps(self) -> float:
        """Return the completed requests per second, errors included."""
        return self.requests / self.seconds if self.seconds > 0 else 0.0


def summarize(latencies_s: Sequence[float], errors: int, seconds: float) -> Summary:
    """Summarize the latencies (in seconds) of one operation's requests."""
    ordered = sorted(latencies_s)
    count = len(ordered)
    ms = 1000.0
    return Summary(
        requests=count,
        errors=errors,
        seconds=seconds,
        p50_ms=percentile(ordered, 0.50) * ms,
        p95_ms=percentile(ordered, 0.95) * ms,
        p99_ms=percentile(ordered, 0.99) * ms,
        mean_ms=(sum(ordered) / count * ms) if count else math.nan,
        max_ms=(ordered[-1] * ms) if count else math.nan,
    )


def median_shift_interval(
    slower: Sequence[float],
    faster: Sequence[float],
    *,
    level: float = 0.95,
    resamples: int = 1000,
    seed: int = 0,
) -> tuple[float, float]:
    """Return a bootstrap interval of median(slower) - median(faster), at `level`.

    The seat gate is the difference of two medians measured under the same load; the
    interval tells whether a run resolved it, or whether it is within the noise.
    """
    if not slower or not faster:
        return (math.nan, math.nan)
    rng = random.Random(seed)
    shifts = sorted(
        _median(rng.choices(slower, k=len(slower))) - _median(rng.choices(faster, k=len(faster)))
        for _ in range(resamples)
    )
    tail = (1 - level) / 2
    return (percentile(shifts, tail), percentile(shifts, 1 - tail))


def _median(values: list[float]) -> float:
    values.sort()
    return percentile(values, 0.5)
