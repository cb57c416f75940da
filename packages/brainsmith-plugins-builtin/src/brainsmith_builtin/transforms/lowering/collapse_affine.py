"""``CollapseRepeatedAffine``: chains of constant ``Mul`` or ``Add`` become one node; a
``Mul`` by 1 or an ``Add`` of 0 disappears."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from qonnx.transformation.base import Transformation

from .constants import compact
from .graph import constant_operand, new_constant, shape_of, sole_consumer

NEUTRAL = {"Mul": 1.0, "Add": 0.0}


@transform(name="CollapseRepeatedAffine", stage="topology_optimization")
class CollapseRepeatedAffine(Transformation):  # type: ignore[misc]
    """``Mul(Mul(x, a), b) -> Mul(x, a * b)`` and ``Add(Add(x, a), b) -> Add(x, a + b)`` (the
    first node read only by the second; constants combined in float64, stored float32);
    ``Mul(x, 1)``/``Add(x, 0)`` are removed when they do not broadcast ``x`` to a new shape."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        outputs = {o.name for o in graph.output}
        for node in graph.node:
            if node.op_type not in NEUTRAL:
                continue
            operand = constant_operand(model, node)
            if operand is None:
                continue
            source, value = operand
            same_shape = shape_of(model, source) == shape_of(model, node.output[0])
            neutral = bool(np.all(value == NEUTRAL[node.op_type]))
            if neutral and same_shape and node.output[0] not in outputs:
                for reader in model.find_consumers(node.output[0]):
                    for i, name in enumerate(reader.input):
                        if name == node.output[0]:
                            reader.input[i] = source
                graph.node.remove(node)
                return model, True
            follower = sole_consumer(model, node.output[0])
            if follower is None or follower.op_type != node.op_type:
                continue
            second = constant_operand(model, follower)
            if second is None or second[0] != node.output[0]:
                continue
            combined = value * second[1] if node.op_type == "Mul" else value + second[1]
            follower.input[0] = source
            follower.input[1] = new_constant(model, compact(combined))
            graph.node.remove(node)
            return model, True
        return model, False
