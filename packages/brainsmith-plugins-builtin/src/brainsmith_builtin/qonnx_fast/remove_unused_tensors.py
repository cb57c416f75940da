"""``RemoveUnusedTensors``: initializers, value infos and datatype annotations that no node
uses are removed, in one sweep, keeping the model's interface.

Unlike qonnx's pass:

* an unused initializer that is also listed as a graph input (every initializer is, in IR < 4
  models) leaves with that graph input: a graph input with an initializer is not one the caller
  must feed, and removing only the initializer would turn it into a new required input;
* a tensor read only inside a subgraph body (If/Loop/Scan reading the outer graph) is used;
* a graph output's value info and annotation are kept (qonnx's keeps them too, by the output
  list; here explicitly).
"""

from __future__ import annotations

from typing import Any

from qonnx.transformation.base import Transformation

from ._graph import names_read_in_subgraphs


class RemoveUnusedTensors(Transformation):  # type: ignore[misc]
    """Remove every initializer, value info and annotation no node (or subgraph) reads or
    writes, together with graph inputs that only mirrored a removed initializer."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        used = {name for node in graph.node for name in (*node.input, *node.output)}
        used |= names_read_in_subgraphs(graph)
        used |= {t.name for t in graph.output}
        dropped = {t.name for t in graph.initializer if t.name not in used}
        changed = _keep(graph.initializer, lambda t: t.name not in dropped)
        changed |= _keep(graph.input, lambda t: t.name not in dropped)
        changed |= _keep(graph.value_info, lambda t: t.name in used)
        changed |= _keep(graph.quantization_annotation, lambda t: t.tensor_name in used)
        return model, False


def _keep(container: Any, wanted: Any) -> bool:
    """Keep the items of a protobuf repeated field for which ``wanted`` holds; whether any
    went."""
    kept = [item for item in container if wanted(item)]
    if len(kept) == len(container):
        return False
    copies = [type(item)() for item in kept]
    for copy, item in zip(copies, kept, strict=True):
        copy.CopyFrom(item)
    del container[:]
    container.extend(copies)
    return True
