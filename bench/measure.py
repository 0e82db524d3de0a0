"""One measured operation: run its plan against a server and summarize what it did."""

from __future__ import annotations

import os
from dataclasses import asdict
from typing import Any

from . import client
from .operations import Operation
from .servers import Server
from .stats import median_shift_interval, summarize

# The two labels whose p50 difference is the cost of the seat gate.
GATE = ("POST active", "POST inactive")

CORES = os.cpu_count() or 1


def measure(
    server: Server, operation: Operation, *, clients: int, seconds: float, warmup: float
) -> list[dict[str, Any]]:
    """Drive one operation; return a row per label with latency, load and memory figures."""
    cpu_at_start: list[float] = []
    result = client.run(
        server.base_url,
        operation.headers,
        operation.plan,
        clients=clients,
        seconds=seconds,
        warmup=warmup,
        on_start=lambda: cpu_at_start.append(server.cpu_seconds()),
    )
    server_cpu = server.cpu_seconds() - cpu_at_start[0]
    rss = server.rss_mib()
    own = server.own_mib()
    measured = sum(len(label.latencies) + label.errors for label in result.labels.values())
    rows = []
    gate: dict[str, Any] = {}
    if set(GATE) <= set(operation.labels):
        active, inactive = (result.labels.get(label, client.LabelResult()) for label in GATE)
        low, high = median_shift_interval(active.latencies, inactive.latencies)
        gate = {"gate_interval_ms": [round(1000 * low, 3), round(1000 * high, 3)]}
    for label in operation.labels:
        outcome = result.labels.get(label, client.LabelResult())
        summary = summarize(outcome.latencies, outcome.errors, result.seconds)
        rows.append(
            {
                "operation": label,
                **asdict(summary),
                "rps": summary.rps,
                "clients": clients,
                # Shared by the labels of one run: they ran interleaved on the same workers.
                "server_cpu_ms_per_request": 1000 * server_cpu / measured if measured else None,
                "server_cpu_share": server_cpu / (result.seconds * CORES)
                if result.seconds
                else 0.0,
                "client_cpu_seconds": result.client_cpu_seconds,
                "client_cpu_ms_per_request": 1000 * result.client_cpu_seconds / measured
                if measured
                else None,
                "client_cpu_share": result.client_cpu_seconds / (result.seconds * CORES)
                if result.seconds
                else 0.0,
                "rss_mib_per_worker": [round(size, 1) for size in rss],
                "own_mib_per_worker": [round(size, 1) for size in own],
                "error_samples": outcome.samples,
                **(gate if label == GATE[0] else {}),
            }
        )
    return rows
