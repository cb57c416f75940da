"""``MoveAddForward``: constant ``Add`` nodes move past ``Mul``, ``MatMul`` and layout nodes."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from numpy.typing import NDArray
from qonnx.transformation.base import Transformation

from .constants import channel_vector, compact, is_scalar
from .graph import attribute, constant_operand, shape_of, sole_consumer, swap_past
from .move_mul import POOLS, transposed_constant


def moved_add_constant(model: Any, follower: Any, bias: NDArray[np.float64]) -> Any:
    """The constant that makes ``follower(x + bias) == follower(x) + result``, or ``None``."""
    op = follower.op_type
    in_shape = shape_of(model, follower.input[0])
    if in_shape is None:
        return None
    if op == "Mul":
        operand = constant_operand(model, follower)
        if operand is None or operand[0] != follower.input[0]:
            return None
        return compact(bias * operand[1])
    if op == "MatMul":
        weights = model.get_initializer(follower.input[1])
        vector = channel_vector(bias, in_shape, -1)
        if weights is None or vector is None or np.ndim(weights) != 2:
            return None
        return compact(vector @ np.asarray(weights, dtype=np.float64))
    if op in ("Reshape", "Flatten"):
        return compact(bias).reshape(()) if is_scalar(bias) else None
    if op == "Transpose":
        perm = attribute(follower, "perm") or list(reversed(range(len(in_shape))))
        return transposed_constant(bias, len(in_shape), perm)
    if op in POOLS:
        vector = channel_vector(bias, in_shape, POOLS[op])
        return None if vector is None else compact(bias)
    return None


@transform(name="MoveAddForward", stage="topology_optimization")
class MoveAddForward(Transformation):  # type: ignore[misc]
    """Move ``Add(x, b)`` (``b`` constant, the Add's only reader next) past: a constant ``Mul``
    (``b`` becomes ``b * a``); ``MatMul`` with constant weights (``b`` broadcast along the
    last axis becomes ``b @ W``); ``Reshape``/``Flatten`` (scalar); ``Transpose`` (permuted);
    ``MaxPool``/``MaxPoolNHWC`` (per-channel). Not past ``Conv``/``Im2Col``: padding would
    see the bias."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            if node.op_type != "Add":
                continue
            operand = constant_operand(model, node)
            follower = sole_consumer(model, node.output[0])
            if operand is None or follower is None or follower.input[0] != node.output[0]:
                continue
            moved = moved_add_constant(model, follower, operand[1])
            if moved is None:
                continue
            swap_past(model, node, follower, moved)
            return model, True
        return model, False
