"""Graph facts the corrected passes share, each found in one sweep over the graph."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np
from onnx import AttributeProto, GraphProto, helper, numpy_helper

ONNX_DOMAINS = ("", "ai.onnx")
"""The two spellings of the standard ONNX operator domain in ``opset_import``."""

_SUBGRAPH = (AttributeProto.GRAPH, AttributeProto.GRAPHS)


def onnx_opset(model: Any) -> int:
    """The model's standard ONNX opset version: the ``""`` / ``"ai.onnx"`` entry of
    ``opset_import``, wherever it is listed (qonnx passes read ``opset_import[0]``, which is a
    custom domain's version when that domain is listed first). 1 when there is none."""
    for entry in model.model.opset_import:
        if entry.domain in ONNX_DOMAINS:
            return int(entry.version)
    return 1


def subgraphs(node: Any) -> Iterator[GraphProto]:
    """The subgraph bodies (If/Loop/Scan attributes) of ``node``, not recursing."""
    for attribute in node.attribute:
        if attribute.type == AttributeProto.GRAPH:
            yield attribute.g
        elif attribute.type == AttributeProto.GRAPHS:
            yield from attribute.graphs


def has_subgraph(node: Any) -> bool:
    """Whether ``node`` carries a subgraph body."""
    return any(a.type in _SUBGRAPH for a in node.attribute)


def names_read_in_subgraphs(graph: GraphProto) -> set[str]:
    """Every tensor name a node of a subgraph body (at any depth) reads; a superset of the
    outer-scope tensors the bodies use."""
    read: set[str] = set()
    pending = [body for node in graph.node for body in subgraphs(node)]
    while pending:
        body = pending.pop()
        for node in body.node:
            read.update(node.input)
            pending.extend(subgraphs(node))
    return read


class Names:
    """Fresh tensor names unused anywhere in a graph, ``<stem>_<n>``, in O(1) each."""

    def __init__(self, graph: GraphProto) -> None:
        self.taken = set(all_names(graph))
        self.counter = 0

    def fresh(self, stem: str) -> str:
        """A name not in the graph and not given out before."""
        while True:
            name = f"{stem}_{self.counter}"
            self.counter += 1
            if name not in self.taken:
                self.taken.add(name)
                return name


def all_names(graph: GraphProto) -> Iterable[str]:
    """Every tensor name of ``graph`` and, recursively, of its subgraph bodies."""
    for container in (graph.input, graph.output, graph.value_info, graph.initializer):
        for tensor in container:
            yield tensor.name
    for node in graph.node:
        yield from node.input
        yield from node.output
        for body in subgraphs(node):
            yield from all_names(body)


def constants(graph: GraphProto) -> dict[str, Any]:
    """Initializers that are constants: not also graph inputs (an initializer listed as a
    graph input is a default the caller may override, in IR 4 and later). Name → proto."""
    inputs = {t.name for t in graph.input}
    return {t.name: t for t in graph.initializer if t.name not in inputs}


def elem_types(graph: GraphProto) -> dict[str, int]:
    """Tensor name → ONNX element type, from value infos, graph inputs/outputs and
    initializers (0 where a tensor type is not a plain tensor)."""
    types: dict[str, int] = {}
    for container in (graph.value_info, graph.input, graph.output):
        for info in container:
            if info.type.HasField("tensor_type"):
                types[info.name] = info.type.tensor_type.elem_type
    for init in graph.initializer:
        types[init.name] = init.data_type
    return types


def ranks(graph: GraphProto) -> dict[str, int]:
    """Tensor name → rank, where value infos, graph inputs/outputs or initializers state it."""
    known: dict[str, int] = {}
    for container in (graph.value_info, graph.input, graph.output):
        for info in container:
            tensor = info.type.tensor_type
            if info.type.HasField("tensor_type") and tensor.HasField("shape"):
                known[info.name] = len(tensor.shape.dim)
    for init in graph.initializer:
        known[init.name] = len(init.dims)
    return known


def shapes(graph: GraphProto) -> dict[str, tuple[int | None, ...]]:
    """Tensor name → shape (``None`` for a dimension not known as a number)."""
    known: dict[str, tuple[int | None, ...]] = {}
    for container in (graph.value_info, graph.input, graph.output):
        for info in container:
            tensor = info.type.tensor_type
            if info.type.HasField("tensor_type") and tensor.HasField("shape"):
                known[info.name] = tuple(
                    d.dim_value if d.HasField("dim_value") else None for d in tensor.shape.dim
                )
    for init in graph.initializer:
        known[init.name] = tuple(init.dims)
    return known


def numpy_dtype(elem_type: int) -> np.dtype[Any] | None:
    """The numpy dtype of an ONNX element type, ``None`` where numpy has none."""
    try:
        return np.dtype(helper.tensor_dtype_to_np_dtype(elem_type))
    except (KeyError, TypeError, ValueError):
        return None


def initializer(name: str, value: Any) -> Any:
    """A ``TensorProto`` called ``name`` holding the numpy array ``value``."""
    return numpy_helper.from_array(np.asarray(value), name)


def replace_nodes(graph: GraphProto, nodes: list[Any]) -> None:
    """Make ``nodes`` the graph's node list, in that order, in one step."""
    del graph.node[:]
    graph.node.extend(nodes)
