"""The seat core's layers, as docs/layers.md draws them: each imports only its own and below.

`python -m tests.unit.test_layers` prints the import graph that docs/layers.md draws.
"""

from __future__ import annotations

import re
from pathlib import Path

from .test_imports import MODULES, imported_by

LAYERS_PAGE = Path(__file__).parents[2] / "docs" / "layers.md"
# What take and release must not stand on (docs/layers.md).
ABOVE_THE_LEDGER = ("forecast", "billing", "renewal", "alerts", "licensing", "admission")


def layers() -> list[tuple[str, set[str]]]:
    """Return the layers of the page's ```layers block, top first: (name, its parts)."""
    block = re.search(r"```layers\n(.*?)```", LAYERS_PAGE.read_text(), re.DOTALL)
    assert block is not None, "docs/layers.md has a ```layers block"
    rows = [line.split() for line in block.group(1).splitlines() if line.strip()]
    return [(row[0], set(row[1:])) for row in rows]


def part(module: str) -> str:
    """Return the part of the seat core a module belongs to: seat_core.alerts.outbox → alerts."""
    return module.split(".")[1] if "." in module else module


def floors() -> dict[str, int]:
    """Return each part's floor, 0 at the bottom."""
    found = layers()
    return {name: len(found) - 1 - i for i, (_, parts) in enumerate(found) for name in parts}


def graph() -> dict[str, set[str]]:
    """Return the parts each part imports, the package seat_core left out."""
    edges: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        if name == "seat_core":
            continue
        targets = {part(t) for t in imported_by(name, path) if t != "seat_core"}
        edges.setdefault(part(name), set()).update(targets - {part(name)})
    return edges


def violations(edges: dict[str, set[str]], floor: dict[str, int]) -> list[str]:
    """Return each import of a part from a floor above its own."""
    return sorted(
        f"{source} imports {target}"
        for source, targets in edges.items()
        for target in targets
        if floor[target] > floor[source]
    )


def test_every_part_of_the_seat_core_is_on_one_layer():
    named = [name for _, parts in layers() for name in parts]

    assert sorted(named) == sorted(set(named))
    assert set(graph()) == set(named)


def test_each_part_imports_only_its_own_layer_and_those_below():
    assert violations(graph(), floors()) == []


def test_the_ledger_stands_below_what_follows_from_seats():
    assert graph()["ledger"] & set(ABOVE_THE_LEDGER) == set()
    assert all(floors()[name] > floors()["ledger"] for name in ABOVE_THE_LEDGER)


def test_the_check_finds_an_import_from_above():
    edges = {"ledger": {"forecast"}, "forecast": set()}

    assert violations(edges, {"ledger": 0, "forecast": 1}) == ["ledger imports forecast"]


def reduced() -> dict[str, set[str]]:
    """Return the graph without the imports another path implies, for drawing."""
    edges = graph()

    def reaches(start: str, goal: str, skip: tuple[str, str]) -> bool:
        seen, todo = set(), [start]
        while todo:
            here = todo.pop()
            for there in edges[here]:
                if (here, there) == skip or there in seen:
                    continue
                if there == goal:
                    return True
                seen.add(there)
                todo.append(there)
        return False

    return {
        source: {t for t in targets if not reaches(source, t, (source, t))}
        for source, targets in edges.items()
    }


if __name__ == "__main__":
    for source, targets in sorted(reduced().items()):
        for target in sorted(targets):
            print(f"    {source} --> {target}")
