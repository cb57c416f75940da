"""``FactorSignIntoWeights``: negative per-channel scales flip the sign of weight columns."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from qonnx.transformation.base import Transformation

from .constants import channel_vector, compact, covering_datatype, varying_axes
from .graph import attribute, constant_operand, new_constant, shape_of, sole_consumer


def producing_matmul(model: Any, tensor: str, axis: int) -> tuple[Any, int] | None:
    """Walk up from ``tensor`` through single-reader ``Transpose`` nodes to a ``MatMul`` with
    constant 2-D weights; return it and where ``axis`` of ``tensor`` lies in its output."""
    producer = model.find_producer(tensor)
    while producer is not None and producer.op_type == "Transpose":
        if sole_consumer(model, producer.output[0]) is None:
            return None
        perm = attribute(producer, "perm")
        if perm is None:
            return None
        axis = perm[axis]
        producer = model.find_producer(producer.input[0])
    if producer is None or producer.op_type != "MatMul":
        return None
    if sole_consumer(model, producer.output[0]) is None:
        return None
    weights = model.get_initializer(producer.input[1])
    if weights is None or np.ndim(weights) != 2:
        return None
    return producer, axis


@transform(name="FactorSignIntoWeights", stage="topology_optimization")
class FactorSignIntoWeights(Transformation):  # type: ignore[misc]
    """For ``Mul(MatMul(x, W), a)`` (possibly through Transposes) with a per-output-channel
    ``a`` having negative entries: negate the columns ``W[:, c]`` where ``a[c] < 0`` and use
    ``|a|``, so ``AbsorbMulIntoMultiThreshold`` can absorb it. The weights stay integer; their
    datatype widens to cover the negated values (``BIPOLAR`` stays ``BIPOLAR``)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            if node.op_type != "Mul":
                continue
            operand = constant_operand(model, node)
            shape = shape_of(model, node.output[0])
            if operand is None or shape is None or not np.any(operand[1] < 0):
                continue
            axes = varying_axes(operand[1], len(shape))
            if len(axes) > 1:
                continue
            axis = axes[0] if axes else len(shape) - 1
            vector = channel_vector(operand[1], shape, axis)
            found = producing_matmul(model, operand[0], axis)
            if vector is None or found is None:
                continue
            matmul, out_axis = found
            if out_axis != len(shape) - 1:
                continue
            weights = np.asarray(model.get_initializer(matmul.input[1]), dtype=np.float32)
            if weights.shape[1] != vector.size and vector.size != 1:
                continue
            sign = np.where(vector < 0, -1.0, 1.0).astype(np.float32)
            flipped = weights * np.broadcast_to(sign, (weights.shape[1],))[None, :]
            old_type = model.get_tensor_datatype(matmul.input[1])
            low, high = float(flipped.min()), float(flipped.max())
            keeps = old_type.allowed(low) and old_type.allowed(high)
            datatype = old_type if keeps else covering_datatype(low, high)
            name = new_constant(model, flipped)
            model.set_tensor_datatype(name, datatype)
            matmul.input[1] = name
            magnitude = np.abs(np.broadcast_to(operand[1], shape))
            node.input[0], node.input[1] = operand[0], new_constant(model, compact(magnitude))
            return model, True
        return model, False
