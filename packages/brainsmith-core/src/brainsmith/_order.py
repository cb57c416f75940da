"""The one dependency-order resolver, for distribution plugins (``requires``) and lifecycle
plugins alike: a deterministic topological order, with every cycle found."""

from __future__ import annotations

import graphlib
from collections.abc import Iterable, Mapping


def dependency_order(
    requires: Mapping[str, Iterable[str]],
) -> tuple[list[str], list[list[str]]]:
    """Order the names of ``requires`` so that every name comes after what it requires.

    ``requires`` maps each name to the names it needs; names outside the mapping are ignored.
    Ties are broken by name, so the order is deterministic. A cycle's members are left out of
    the order (with everything that requires them) and returned as ``[a, b, ..., a]`` paths, so a
    caller can report them all at once.
    """
    graph = {name: sorted(set(deps) & set(requires)) for name, deps in requires.items()}
    cycles: list[list[str]] = []
    while True:
        sorter = graphlib.TopologicalSorter({name: graph[name] for name in sorted(graph)})
        try:
            return list(sorter.static_order()), cycles
        except graphlib.CycleError as error:
            cycle: list[str] = list(reversed(error.args[1]))
            cycles.append(cycle)
            for name in set(cycle):
                del graph[name]
            for deps in graph.values():
                deps[:] = [d for d in deps if d in graph]
