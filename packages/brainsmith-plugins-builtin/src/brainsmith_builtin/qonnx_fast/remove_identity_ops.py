"""``RemoveIdentityOps``: remove nodes that compute their input unchanged, correctly and in one
sweep.

Removed, as in qonnx: ``Identity``; ``Add``/``Sub`` of a constant zero and ``Mul``/``Div`` by a
constant one (exactly, by default: see ``atol``); ``Pad`` by all-zero pads;
``Dropout`` that is the identity (ratio 0 before opset 12, or no ratio / a constant ratio of 0
and no ``training_mode`` from 12 on; its mask output unused). Unlike qonnx's pass:

* a node is kept when its constant would broadcast the result to another shape (``x + 0`` with
  a zero of higher rank or larger dimensions), or when the shape of ``x`` is unknown and the
  constant is not a scalar;
* a node whose output is a graph output keeps that name: its producer writes the graph output
  directly; when the input is a graph input, an initializer or another graph output (a lone
  identity between input and output) the node stays, so the graph keeps its interface (qonnx
  asserts "Whole graph is one node");
* every reader of the removed output is rewired, every input slot of it (qonnx's rewiring of
  a forking producer misses none either, but its non-forking path renames the producer's output
  and can leave other readers of the old name dangling), subgraph bodies included: a tensor a
  subgraph body reads is never renamed, the node producing it is then kept;
* the opset version for ``Dropout`` is the ``""`` domain's, not ``opset_import[0]``;
* a float constant must equal 0 or 1 exactly (``atol=0``): qonnx's default ``atol=1e-5``
  removes ``var + 1e-5`` from a normalisation, which changes the function (and divides by zero
  where the variance is 0);
* all nodes are handled in one sweep with no shape inference afterwards (qonnx removes one node
  per call and re-infers shapes over the whole graph: quadratic). Removing a node changes no
  other tensor's shape or type, so the value infos stay right.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import numpy_helper
from qonnx.transformation.base import Transformation

from ._graph import constants, names_read_in_subgraphs, onnx_opset, replace_nodes, shapes

_NEUTRAL = {"Add": 0, "Sub": 0, "Mul": 1, "Div": 1}


class RemoveIdentityOps(Transformation):  # type: ignore[misc]
    """Remove identity nodes, keeping the graph's inputs and outputs; ``atol`` is the
    tolerance (absolute) of a float constant's comparison with 0 or 1 (default 0: exact; a
    blueprint may pass qonnx's 1e-5 where removing near-neutral constants is wanted).

    :raises ValueError: ``atol`` is negative, infinite or NaN."""

    def __init__(self, atol: float = 0.0) -> None:
        super().__init__()
        if not 0 <= atol < float("inf"):
            raise ValueError(f"atol must be a finite number >= 0, got {atol!r} (e.g. atol: 1.0e-5)")
        self.atol = atol

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        opset = onnx_opset(model)
        const = constants(graph)
        known = shapes(graph)
        used_in_bodies = names_read_in_subgraphs(graph)
        outputs = {t.name for t in graph.output}
        sources = {t.name for t in graph.input} | {t.name for t in graph.initializer}
        produced = {name for node in graph.node for name in node.output}
        readers: dict[str, int] = {}
        for node in graph.node:
            for name in node.input:
                readers[name] = readers.get(name, 0) + 1
        for name in outputs:
            readers[name] = readers.get(name, 0) + 1
        alias: dict[str, str] = {}  # removed output -> the tensor that replaces it
        removed: set[int] = set()
        to_outputs: list[tuple[int, str, str]] = []
        for index, node in enumerate(graph.node):
            if not self._is_identity(node, const, known, opset, readers):
                continue
            source, target = node.input[0], node.output[0]
            if target in used_in_bodies:
                continue
            if target in outputs:
                to_outputs.append((index, source, target))
            else:
                alias[target] = source
                removed.add(index)

        def resolve(name: str) -> str:
            while name in alias:
                name = alias[name]
            return name

        renamed: dict[str, str] = {}  # a producer's output -> the graph output it now writes
        for index, source, target in to_outputs:
            real = resolve(source)
            if (
                real in sources
                or real in outputs
                or real in renamed
                or real in used_in_bodies
                or real not in produced
            ):
                continue
            renamed[real] = target
            removed.add(index)
        if not removed:
            return model, False
        nodes = []
        for index, node in enumerate(graph.node):
            if index in removed:
                continue
            for slot, name in enumerate(node.input):
                new = resolve(name)
                new = renamed.get(new, new)
                if new != name:
                    node.input[slot] = new
            for slot, name in enumerate(node.output):
                if name in renamed:
                    node.output[slot] = renamed[name]
            nodes.append(node)
        replace_nodes(graph, nodes)
        return model, False

    def _is_identity(
        self,
        node: Any,
        const: dict[str, Any],
        known: dict[str, tuple[int | None, ...]],
        opset: int,
        readers: dict[str, int],
    ) -> bool:
        if node.domain not in ("", "ai.onnx") or not node.input or not node.input[0]:
            return False
        kind = node.op_type
        if kind == "Identity":
            return len(node.output) == 1
        if kind in _NEUTRAL:
            if len(node.input) != 2 or node.input[1] not in const:
                return False
            value = numpy_helper.to_array(const[node.input[1]])
            return self._neutral(value, _NEUTRAL[kind]) and _keeps_shape(
                known.get(node.input[0]), value.shape
            )
        if kind == "Pad":
            return _zero_pads(node, const)
        if kind == "Dropout":
            return _identity_dropout(node, const, opset, readers)
        return False

    def _neutral(self, value: Any, neutral: int) -> bool:
        if value.size == 0:
            return False
        if value.dtype.kind in "iub":
            return bool((value == neutral).all())
        if value.dtype.kind != "f":
            return False
        return bool(np.isclose(value, neutral, atol=self.atol, rtol=0.0).all())


def _keeps_shape(shape: tuple[int | None, ...] | None, constant: tuple[int, ...]) -> bool:
    """Whether broadcasting a tensor of ``shape`` with a ``constant`` of that shape leaves the
    tensor's shape as it was."""
    if shape is None:
        return len(constant) == 0
    if len(constant) > len(shape):
        return False
    for dim, const_dim in zip(reversed(shape), reversed(constant), strict=False):
        if const_dim not in (1, dim):
            return False
    return True


def _attribute(node: Any, name: str) -> Any:
    for attribute in node.attribute:
        if attribute.name == name:
            return attribute
    return None


def _zero_pads(node: Any, const: dict[str, Any]) -> bool:
    pads = _attribute(node, "pads")
    if pads is not None:
        return all(p == 0 for p in pads.ints)
    if len(node.input) < 2 or node.input[1] not in const:
        return False
    return bool((numpy_helper.to_array(const[node.input[1]]) == 0).all())


def _identity_dropout(
    node: Any, const: dict[str, Any], opset: int, readers: dict[str, int]
) -> bool:
    if len(node.output) > 1 and node.output[1] and readers.get(node.output[1], 0):
        return False
    if opset < 12:
        ratio = _attribute(node, "ratio")
        is_test = _attribute(node, "is_test")
        if opset < 7 and (is_test is None or not is_test.i):
            return ratio is not None and ratio.f == 0
        return True  # from opset 7 on, inference-time Dropout is the identity
    if len(node.input) > 2 and node.input[2]:
        if node.input[2] not in const:
            return False
        if bool(numpy_helper.to_array(const[node.input[2]]).any()):
            return False
    return True
