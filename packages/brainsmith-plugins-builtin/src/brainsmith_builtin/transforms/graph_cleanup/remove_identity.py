"""``RemoveIdentity``: drop ONNX ``Identity`` nodes."""

from __future__ import annotations

from typing import Any

from brainsmith.plugins.decorators import transform
from qonnx.transformation.base import Transformation


@transform(name="RemoveIdentity", stage="graph_cleanup")
class RemoveIdentity(Transformation):  # type: ignore[misc]
    """Remove ``Identity`` nodes, rewiring their consumers to the Identity's input.

    When the Identity produces a graph output, its producer is renamed to write that output
    directly. An Identity that copies a graph input or an initializer straight to a graph
    output is kept: removing it would change the model's interface.
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
                    if other is node:
                        continue
                    _rename(other.output, source, target)
                    _rename(other.input, source, target)
            else:
                for other in graph.node:
                    _rename(other.input, target, source)
            graph.node.remove(node)
        return model, False


def _rename(names: Any, old: str, new: str) -> None:
    for i, name in enumerate(names):
        if name == old:
            names[i] = new
