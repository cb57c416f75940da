"""``GemmToMatMulAdd``: ``Gemm`` becomes ``MatMul`` (plus ``Transpose``, ``Mul``, ``Add``).

qonnx's ``GemmToMatMul`` fails on a ``Gemm`` without its optional ``C`` input (a bias-free
Linear layer, IndexError in qonnx 1.0), so the lowering carries its own.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from onnx import helper
from qonnx.transformation.base import Transformation

from .graph import attribute, new_constant, new_tensor


@transform(name="GemmToMatMulAdd", stage="topology_optimization")
class GemmToMatMulAdd(Transformation):  # type: ignore[misc]
    """``Gemm(A, B[, C]; alpha, beta, transA, transB)`` becomes ``MatMul(A', B')`` where a
    transposed operand gets a ``Transpose`` node (``FoldQuantWeights`` folds it into quantized
    weights), then ``Mul(alpha)`` when ``alpha != 1`` and ``Add(beta * C)`` when there is a
    ``C`` (a constant ``C`` is pre-multiplied, a dynamic one gets its own ``Mul``)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        for node in list(graph.node):
            if node.op_type != "Gemm":
                continue
            nodes = []
            operands = list(node.input[:2])
            for index, flag in ((0, "transA"), (1, "transB")):
                if attribute(node, flag, 0):
                    transposed = new_tensor(model)
                    nodes.append(
                        helper.make_node("Transpose", [operands[index]], [transposed], perm=[1, 0])
                    )
                    operands[index] = transposed
            alpha = float(attribute(node, "alpha", 1.0))
            beta = float(attribute(node, "beta", 1.0))
            has_c = len(node.input) > 2 and node.input[2] != ""
            current = node.output[0] if alpha == 1.0 and not has_c else new_tensor(model)
            nodes.append(helper.make_node("MatMul", operands, [current], name=node.name))
            if alpha != 1.0:
                scaled = node.output[0] if not has_c else new_tensor(model)
                factor = new_constant(model, np.asarray(alpha))
                nodes.append(helper.make_node("Mul", [current, factor], [scaled]))
                current = scaled
            if has_c:
                bias = model.get_initializer(node.input[2])
                addend = node.input[2]
                if bias is not None:
                    addend = new_constant(model, np.asarray(bias, dtype=np.float64) * beta)
                elif beta != 1.0:
                    addend = new_tensor(model)
                    factor = new_constant(model, np.asarray(beta))
                    nodes.append(helper.make_node("Mul", [node.input[2], factor], [addend]))
                nodes.append(helper.make_node("Add", [current, addend], [node.output[0]]))
            index = list(graph.node).index(node)
            for offset, new in enumerate(nodes):
                graph.node.insert(index + offset, new)
            graph.node.remove(node)
            return model, True
        return model, False
