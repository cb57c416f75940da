"""``RemoveIdentity``: drop ONNX ``Identity`` nodes."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from brainsmith.plugins.decorators import transform
from qonnx.transformation.base import Transformation


@transform(name="RemoveIdentity", stage="graph_cleanup")
class RemoveIdentity(Transformation):  # type: ignore[misc]
    """Remove ``Identity`` nodes, rewiring their consumers to the Identity's input.

    When the Identity produces a graph output, its producer is renamed to write that output
    directly. An Identity that copies a graph input or an initializer straight to a graph
    output is kept: removing it would change the model's interface. Readers inside subgraph
    bodies (If/Loop/Scan reading an outer tensor) are rewired too; Identity nodes inside
    bodies are kept.
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        outputs = {t.name for t in graph.output}
        sources = {t.name for t in graph.input} | {t.name for t in graph.initializer}
        for node in [n for n in graph.node if n.op_type == "Identity"]:
            source, target = node.input[0], node.output[0]
            if target in outputs:
                if source in sources or source in outputs:
                    continue
                # the producer writes the graph output itself; other readers follow it
                for other in graph.node:
                    if other is not node:
                        _rename(other.output, source, target)
                for reader in _readers(graph, skip=node):
                    _rename(reader.input, source, target)
            else:
                for reader in _readers(graph, skip=node):
                    _rename(reader.input, target, source)
            graph.node.remove(node)
        return model, False


def _readers(graph: Any, skip: Any) -> Iterator[Any]:
    """Every node of ``graph`` but ``skip``, and every node of its subgraph bodies."""
    for node in graph.node:
        if node is not skip:
            yield node
        for attribute in node.attribute:
            bodies = [attribute.g] if attribute.HasField("g") else []
            for body in [*bodies, *attribute.graphs]:
                yield from _readers(body, skip)


def _rename(names: Any, old: str, new: str) -> None:
    for i, name in enumerate(names):
        if name == old:
            names[i] = new
