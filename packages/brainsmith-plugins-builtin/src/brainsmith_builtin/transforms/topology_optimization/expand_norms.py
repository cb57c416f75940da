"""``ExpandNorms``: rewrite ONNX ``LayerNormalization`` into primitive operators.

Hardware backends rarely implement LayerNormalization as one kernel; the primitive form
(reductions, element-wise arithmetic) maps onto kernels they do have::

    mean = ReduceMean(X, axes)            d   = Sub(X, mean)
    var  = ReduceMean(Pow(d, 2), axes)    std = Sqrt(Add(var, epsilon))
    Y    = Add(Mul(Div(d, std), Scale), B)          (Add only when B is given)

``axes`` are ``axis … rank-1`` (negative ``axis`` needs no shape). The result equals
onnxruntime's LayerNormalization within float32 rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith.plugins.decorators import transform
from onnx import helper
from qonnx.transformation.base import Transformation


@transform(name="ExpandNorms", stage="topology_optimization")
class ExpandNorms(Transformation):  # type: ignore[misc]
    """Replace each LayerNormalization by ReduceMean/Sub/Pow/Add/Sqrt/Div/Mul nodes.

    Nodes whose optional ``Mean``/``InvStdDev`` outputs are used, and nodes with a
    non-negative ``axis`` on an input of unknown rank, are left as they are.
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        opset = next(
            (o.version for o in model.model.opset_import if o.domain in ("", "ai.onnx")), 0
        )
        for index, node in enumerate(graph.node):
            if node.op_type != "LayerNormalization" or node.domain not in ("", "ai.onnx"):
                continue
            if any(name for name in node.output[1:]):
                continue
            attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
            axis = int(attrs.get("axis", -1))
            epsilon = float(attrs.get("epsilon", 1e-5))
            if axis >= 0:
                shape = model.get_tensor_shape(node.input[0])
                if not shape:
                    continue
                axis -= len(shape)
            axes = list(range(axis, 0))
            new_nodes = _expand(model, node, axes, epsilon, opset)
            graph.node.remove(node)
            for offset, new in enumerate(new_nodes):
                graph.node.insert(index + offset, new)
            return model, True
        return model, False


def _expand(model: Any, node: Any, axes: list[int], epsilon: float, opset: int) -> list[Any]:
    """The primitive nodes computing ``node``'s output, named after ``node``."""
    base = node.name or node.output[0]
    x, scale = node.input[0], node.input[1]
    bias = node.input[2] if len(node.input) > 2 and node.input[2] else ""
    nodes: list[Any] = []

    def tensor(suffix: str) -> str:
        return f"{base}_{suffix}"

    def const(suffix: str, value: np.ndarray) -> str:
        name = tensor(suffix)
        model.set_initializer(name, value)
        return name

    def add(op: str, inputs: list[str], suffix: str, output: str = "", **attrs: Any) -> str:
        out = output or tensor(suffix)
        nodes.append(helper.make_node(op, inputs, [out], name=f"{base}_{op}_{suffix}", **attrs))
        return out

    def reduce_mean(inp: str, suffix: str) -> str:
        if opset >= 18:
            return add(
                "ReduceMean",
                [inp, const(f"{suffix}_axes", np.array(axes, dtype=np.int64))],
                suffix,
                keepdims=1,
            )
        return add("ReduceMean", [inp], suffix, axes=axes, keepdims=1)

    mean = reduce_mean(x, "mean")
    centered = add("Sub", [x, mean], "centered")
    # Pow rather than Mul(d, d): qonnx's rename_tensor renames only the first of two equal
    # inputs of a node, which would break GiveReadableTensorNames after this transform
    two = const("two", np.array(2.0, dtype=np.float32))
    squared = add("Pow", [centered, two], "squared")
    variance = reduce_mean(squared, "variance")
    shifted = add(
        "Add", [variance, const("epsilon", np.array(epsilon, dtype=np.float32))], "var_eps"
    )
    std = add("Sqrt", [shifted], "std")
    normed = add("Div", [centered, std], "normed")
    if bias:
        scaled = add("Mul", [normed, scale], "scaled")
        add("Add", [scaled, bias], "biased", output=node.output[0])
    else:
        add("Mul", [normed, scale], "scaled", output=node.output[0])
    return nodes
