"""``FuseScales``: fold a scalar ``Mul`` into the constant weights of the MatMul it feeds."""

from __future__ import annotations

from typing import Any

import numpy as np
from qonnx.transformation.base import Transformation


class FuseScales(Transformation):  # type: ignore[misc]
    """``MatMul(Mul(x, s), W)`` → ``MatMul(x, s * W)`` when ``s`` is a scalar initializer,
    ``W`` an initializer used once, and the Mul feeds only that MatMul."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        outputs = {t.name for t in graph.output}
        for mul in graph.node:
            if mul.op_type != "Mul" or mul.output[0] in outputs:
                continue
            scale = model.get_initializer(mul.input[1])
            consumers = model.find_consumers(mul.output[0])
            if scale is None or scale.size != 1 or len(consumers) != 1:
                continue
            matmul = consumers[0]
            if matmul.op_type != "MatMul" or matmul.input[0] != mul.output[0]:
                continue
            weight = model.get_initializer(matmul.input[1])
            if weight is None or len(model.find_consumers(matmul.input[1])) != 1:
                continue
            fused = (weight * scale.reshape(())).astype(weight.dtype)
            model.set_initializer(matmul.input[1], np.asarray(fused))
            matmul.input[0] = mul.input[0]
            graph.node.remove(mul)
            return model, True
        return model, False
