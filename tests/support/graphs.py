"""Import graphs of the project's packages, for the tests that keep them acyclic."""

from __future__ import annotations

from collections.abc import Mapping, Set


def cycles_in(graph: Mapping[str, Set[str]]) -> list[list[str]]:
    """Return each cycle a depth-first walk meets, as the path that closes it."""
    state: dict[str, str] = {}
    found: list[list[str]] = []

    def visit(name: str, trail: list[str]) -> None:
        state[name] = "open"
        for target in sorted(graph[name]):
            if state.get(target) == "open":
                found.append([*trail[trail.index(target) :], target])
            elif target not in state:
                visit(target, [*trail, target])
        state[name] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    return found
