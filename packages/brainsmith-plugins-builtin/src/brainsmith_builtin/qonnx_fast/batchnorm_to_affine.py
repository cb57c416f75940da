"""``BatchNormToAffine``: inference-time ``BatchNormalization`` rewritten into ``Mul`` and
``Add``, correctly and in one sweep.

``y = scale * (x - mean) / sqrt(var + epsilon) + bias`` is ``x * A + B`` with
``A = scale / sqrt(var + epsilon)`` and ``B = bias - A * mean``, computed in float64 and
stored in ``x``'s element type, shaped ``(1, C, 1, ...)`` to broadcast over ``x``'s channel
axis 1. A BatchNormalization is left alone (and stays a valid, runnable node) when:

* a parameter is not a constant: a graph input, an initializer that is also a graph input
  (a default the caller may override) or a computed tensor (qonnx raises ``TypeError``);
* the rank of ``x`` is unknown (qonnx asserts; run ``FoldConstants`` and shape inference first
  when a computed shape hides it) or below 2;
* ``training_mode`` is 1, it has more than one output in use, or ``spatial`` is 0
  (opset < 9's per-element statistics);
* ``x``'s element type is not a float type numpy holds (bfloat16).

Unlike qonnx's pass it does not remove an ``Unsqueeze`` before or ``Squeeze`` after the node
(their other readers would be left dangling), and ends without whole-graph shape inference:
``x * A + B`` has ``x``'s shape, so the node's output value info stays right. Parameters no
other node reads are removed with their value infos and annotations (qonnx leaves them to the
cleanup, which then costs a copy and several walks of the graph).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import helper, numpy_helper
from qonnx.transformation.base import Transformation

from ._graph import (
    Names,
    constants,
    elem_types,
    initializer,
    names_read_in_subgraphs,
    numpy_dtype,
    ranks,
    replace_nodes,
)


class BatchNormToAffine(Transformation):  # type: ignore[misc]
    """Replace every inference-time ``BatchNormalization`` with constant parameters by
    ``Mul`` and ``Add``."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        if not any(n.op_type == "BatchNormalization" for n in graph.node):
            return model, False
        const = constants(graph)
        known = ranks(graph)
        types = elem_types(graph)
        used = {name for node in graph.node for name in node.input}
        used |= {t.name for t in graph.output}
        names = Names(graph)
        nodes: list[Any] = []
        changed = False
        for node in graph.node:
            replaced = _affine(
                node, const=const, known=known, types=types, used=used, names=names, model=model
            )
            if replaced is None:
                nodes.append(node)
            else:
                nodes.extend(replaced)
                changed = True
        if changed:
            replace_nodes(graph, nodes)
            _drop_unread(model, const)
        return model, False


def _int_attribute(node: Any, name: str, default: int) -> int:
    for attribute in node.attribute:
        if attribute.name == name:
            return int(attribute.i)
    return default


def _epsilon(node: Any) -> float:
    for attribute in node.attribute:
        if attribute.name == "epsilon":
            return float(attribute.f)
    return 1e-5


def _affine(
    node: Any,
    *,
    const: dict[str, Any],
    known: dict[str, int],
    types: dict[str, int],
    used: set[str],
    names: Names,
    model: Any,
) -> list[Any] | None:
    """The ``Mul`` and ``Add`` replacing ``node``; ``None`` to leave it alone."""
    if node.op_type != "BatchNormalization" or node.domain not in ("", "ai.onnx"):
        return None
    if len(node.input) < 5 or any(name not in const for name in node.input[1:5]):
        return None
    if _int_attribute(node, "training_mode", 0) or not _int_attribute(node, "spatial", 1):
        return None
    if any(name and name in used for name in node.output[1:]):
        return None
    x, y = node.input[0], node.output[0]
    rank = known.get(x)
    dtype = numpy_dtype(types.get(x, 0)) if types.get(x) else None
    if rank is None or rank < 2 or dtype is None or dtype.kind != "f":
        return None
    scale, bias, mean, var = (
        numpy_helper.to_array(const[name]).astype(np.float64) for name in node.input[1:5]
    )
    if not all(p.ndim == 1 and p.shape == scale.shape for p in (bias, mean, var)):
        return None
    factor = scale / np.sqrt(var + _epsilon(node))
    offset = bias - factor * mean
    shape = (1, -1) + (1,) * (rank - 2)
    stem = node.name or "BatchNormalization"
    mul_const, add_const = names.fresh(f"{stem}_mul"), names.fresh(f"{stem}_add")
    scaled = names.fresh(f"{stem}_scaled")
    model.graph.initializer.append(initializer(mul_const, factor.reshape(shape).astype(dtype)))
    model.graph.initializer.append(initializer(add_const, offset.reshape(shape).astype(dtype)))
    return [
        helper.make_node("Mul", [x, mul_const], [scaled]),
        helper.make_node("Add", [scaled, add_const], [y]),
    ]


def _drop_unread(model: Any, const: dict[str, Any]) -> None:
    """Remove the constants in ``const`` that no node or graph output reads any more, with
    their value infos and datatype annotations."""
    graph = model.graph
    read = {name for node in graph.node for name in node.input}
    read |= {t.name for t in graph.output}
    read |= names_read_in_subgraphs(graph)
    gone = {name for name in const if name not in read}
    if not gone:
        return
    for container, key in (
        (graph.initializer, "name"),
        (graph.value_info, "name"),
        (graph.quantization_annotation, "tensor_name"),
    ):
        kept = [item for item in container if getattr(item, key) not in gone]
        if len(kept) != len(container):
            copies = []
            for item in kept:
                copy = type(item)()
                copy.CopyFrom(item)
                copies.append(copy)
            del container[:]
            container.extend(copies)
