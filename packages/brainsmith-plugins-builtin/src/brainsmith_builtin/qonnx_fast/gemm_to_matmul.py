"""``GemmToMatMul``: ``Gemm`` rewritten into ``MatMul`` (+ ``Mul`` + ``Add``), correctly and in
linear time.

``Y = alpha * A' @ B' + beta * C`` becomes ``Transpose`` (for ``transA`` / ``transB``; a
constant operand is transposed in place instead, so no node is added and qonnx's cleanup has
no graph to re-sort), a ``MatMul``, a ``Mul`` by ``alpha`` (only when ``alpha != 1``), a
``Mul`` of ``C`` by ``beta`` (only when ``beta != 1``) and an ``Add`` of ``C`` (only when the
Gemm has its optional ``C`` input, opset 11 and later). Where qonnx's pass is right, the result
computes the same function with the same nodes as qonnx's (which ends in
``RemoveIdentityOps``), but for the constant transposes; unlike it:

* a Gemm without ``C`` becomes a bare ``MatMul`` (qonnx raises ``IndexError``);
* ``alpha`` / ``beta`` constants have the Gemm's element type (qonnx writes float64 constants,
  which onnxruntime refuses next to a float32 tensor);
* an integer Gemm whose ``alpha`` or ``beta`` is not 1 is left alone (no integer constant
  can hold it);
* every Gemm is rewritten in one sweep (qonnx rewrites one per call and then runs
  ``RemoveIdentityOps`` and shape inference over the whole graph: quadratic).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from onnx import TensorProto, helper, numpy_helper
from qonnx.transformation.base import Transformation

from ._graph import Names, constants, elem_types, initializer, numpy_dtype, replace_nodes


class GemmToMatMul(Transformation):  # type: ignore[misc]
    """Rewrite every ``Gemm`` into ``MatMul`` and, where needed, ``Transpose``/``Mul``/``Add``."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        if not any(
            node.op_type == "Gemm" and node.domain in ("", "ai.onnx") for node in graph.node
        ):
            return model, False
        types = elem_types(graph)
        names = Names(graph)
        datatypes = _datatypes(model)
        context = _Context(graph)
        nodes: list[Any] = []
        for node in graph.node:
            rewritten = None
            if node.op_type == "Gemm" and node.domain in ("", "ai.onnx"):
                rewritten = _rewrite(
                    node,
                    types=types,
                    names=names,
                    datatypes=datatypes,
                    model=model,
                    context=context,
                )
            nodes.extend([node] if rewritten is None else rewritten)
        replace_nodes(graph, nodes)
        if context.reshaped:  # their value infos state the old shape (removed in one step:
            kept = [info for info in graph.value_info if info.name not in context.reshaped]
            del graph.value_info[:]  # one remove() each is a scan each)
            graph.value_info.extend(kept)
        return model, False


def _attribute(node: Any, name: str, default: float) -> float:
    for attribute in node.attribute:
        if attribute.name == name:
            return float(helper.get_attribute_value(attribute))
    return default


def _element_type(node: Any, types: dict[str, int]) -> int:
    """The Gemm's element type: of A, else B, else C, else float32."""
    for name in node.input:
        if name and types.get(name):
            return types[name]
    return int(TensorProto.FLOAT)


def _datatypes(model: Any) -> dict[str, Any]:
    """qonnx datatype annotations by tensor name (read once)."""
    if not len(model.graph.quantization_annotation):
        return {}
    return {
        a.tensor_name: model.get_tensor_datatype(a.tensor_name)
        for a in model.graph.quantization_annotation
    }


class _Context:
    """The graph's constants and how many node inputs and graph outputs read each tensor."""

    def __init__(self, graph: Any) -> None:
        self.constants = constants(graph)
        self.reshaped: set[str] = set()
        """Constants transposed in place."""
        self.readers: dict[str, int] = {}
        for node in graph.node:
            for name in node.input:
                self.readers[name] = self.readers.get(name, 0) + 1
        for output in graph.output:
            self.readers[output.name] = self.readers.get(output.name, 0) + 1

    def transposed(self, name: str, names: Names, graph: Any) -> str | None:
        """The name of constant ``name`` transposed (in place when nothing else reads it,
        else a new initializer); ``None`` when ``name`` is not a constant."""
        tensor = self.constants.get(name)
        if tensor is None:
            return None
        value = numpy_helper.to_array(tensor).T
        if self.readers.get(name, 0) == 1:
            tensor.CopyFrom(initializer(name, value))
            self.reshaped.add(name)
            return name
        fresh = names.fresh(f"{name}_transposed")
        graph.initializer.append(initializer(fresh, value))
        return fresh


def _rewrite(
    node: Any,
    *,
    types: dict[str, int],
    names: Names,
    datatypes: dict[str, Any],
    model: Any,
    context: _Context,
) -> list[Any] | None:
    """The nodes replacing the Gemm ``node``; ``None`` to leave it alone."""
    alpha = _attribute(node, "alpha", 1.0)
    beta = _attribute(node, "beta", 1.0)
    trans_a = bool(_attribute(node, "transA", 0))
    trans_b = bool(_attribute(node, "transB", 0))
    if _attribute(node, "broadcast", 0):  # opset < 7 semantics
        return None
    element = _element_type(node, types)
    dtype = numpy_dtype(element)
    if dtype is None or (dtype.kind != "f" and (alpha != 1.0 or beta != 1.0)):
        return None
    a, b = node.input[0], node.input[1]
    c = node.input[2] if len(node.input) > 2 and node.input[2] else None
    stem = node.name or "Gemm"
    out: list[Any] = []
    for transposed, which in ((trans_a, 0), (trans_b, 1)):
        if transposed:
            source = node.input[which]
            target = context.transposed(source, names, model.graph)
            if target is None:
                target = names.fresh(f"{stem}_transposed")
                out.append(helper.make_node("Transpose", [source], [target], perm=[1, 0]))
            if source in datatypes and target != source:
                model.set_tensor_datatype(target, datatypes[source])
            if which == 0:
                a = target
            else:
                b = target
    result = node.output[0]
    scaled = alpha != 1.0
    added = c is not None
    product = names.fresh(f"{stem}_matmul") if scaled or added else result
    out.append(helper.make_node("MatMul", [a, b], [product]))
    if scaled:
        factor = names.fresh(f"{stem}_alpha")
        model.graph.initializer.append(initializer(factor, np.asarray(alpha, dtype=dtype)))
        target = names.fresh(f"{stem}_scaled") if added else result
        out.append(helper.make_node("Mul", [product, factor], [target]))
        product = target
    if c is not None:
        bias = c
        if beta != 1.0:
            factor = names.fresh(f"{stem}_beta")
            model.graph.initializer.append(initializer(factor, np.asarray(beta, dtype=dtype)))
            bias = names.fresh(f"{stem}_bias")
            out.append(helper.make_node("Mul", [c, factor], [bias]))
        out.append(helper.make_node("Add", [product, bias], [result]))
    return out
