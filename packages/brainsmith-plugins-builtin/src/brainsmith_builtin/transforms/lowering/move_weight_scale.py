"""``MoveWeightScalePastMatMul``: the scale of quantized weights moves behind the MatMul/Conv."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from onnx import helper
from qonnx.transformation.base import Transformation

from .constants import channel_vector
from .graph import insert_after, new_constant, new_tensor, shape_of, sole_consumer
from .notes import record_note


@transform(name="MoveWeightScalePastMatMul", stage="topology_optimization")
class MoveWeightScalePastMatMul(Transformation):  # type: ignore[misc]
    """``MatMul(x, Mul(W_int, s)) -> Mul(MatMul(x, W_int), s_row)`` when ``s`` is constant
    along the reduction axis (``W`` shape ``[MW, MH]``, ``s_row`` shape ``[MH]``), and
    ``Conv(x, Mul(W_int, s)) -> Mul(Conv(x, W_int), s[1, OFM, 1, 1])`` for a per-output-channel
    ``s`` on a Conv without bias input. Otherwise the reason is recorded."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            if node.op_type not in ("MatMul", "Conv") or len(node.input) < 2:
                continue
            scaled = model.find_producer(node.input[1])
            if scaled is None or scaled.op_type != "Mul":
                continue
            weights = model.get_initializer(scaled.input[0])
            scale = model.get_initializer(scaled.input[1])
            if weights is None or scale is None or sole_consumer(model, scaled.output[0]) is None:
                continue
            out_shape = shape_of(model, node.output[0])
            shaped: np.ndarray[Any, Any] | None
            if node.op_type == "MatMul":
                vector = channel_vector(scale, weights.shape, 1) if weights.ndim == 2 else None
                problem = "the weight scale varies along the reduction (MW) axis"
                shaped = None if vector is None else vector.reshape(-1)
            else:
                vector = channel_vector(scale, weights.shape, 0)
                problem = "the weight scale is not per output channel"
                if len(node.input) > 2:
                    vector, problem = None, "the Conv has a bias input (run ExtractBiasFromConv)"
                shaped = None if vector is None else vector.reshape(1, -1, 1, 1)
            if shaped is None or out_shape is None:
                record_note(model, node, f"weight scale not moved: {problem}")
                continue
            final = node.output[0]
            node.input[1] = scaled.input[0]
            node.output[0] = new_tensor(model, out_shape)
            factor = new_constant(model, np.asarray(shaped))
            insert_after(model, node, [helper.make_node("Mul", [node.output[0], factor], [final])])
            model.graph.node.remove(scaled)
            return model, True
        return model, False
