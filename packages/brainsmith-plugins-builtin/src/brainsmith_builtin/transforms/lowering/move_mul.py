"""``MoveMulForward``: constant ``Mul`` nodes move past linear and layout nodes."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from numpy.typing import NDArray
from qonnx.transformation.base import Transformation

from .constants import channel_vector, compact, is_scalar
from .graph import attribute, constant_operand, shape_of, sole_consumer, swap_past

LINEAR_WEIGHTED = frozenset({"MatMul", "Conv"})
SHAPE_ONLY = frozenset({"Reshape", "Flatten"})
POOLS = {"MaxPool": 1, "MaxPoolNHWC": -1}


def transposed_constant(
    constant: NDArray[np.float64], rank: int, perm: list[int]
) -> NDArray[np.float64]:
    """``constant`` (broadcasting against a ``rank``-dim tensor) as it broadcasts against the
    tensor transposed by ``perm``."""
    value = np.asarray(constant, dtype=np.float64)
    full_rank = value.reshape((1,) * (rank - value.ndim) + value.shape)
    return compact(full_rank.transpose(perm))


def moved_mul_constant(model: Any, follower: Any, factor: NDArray[np.float64]) -> Any:
    """The constant that makes ``follower(x * factor) == follower(x) * result``, or ``None``
    when no such constant exists (or the move is not proven valid)."""
    op = follower.op_type
    in_shape = shape_of(model, follower.input[0])
    if in_shape is None:
        return None
    if op in LINEAR_WEIGHTED:
        ok = is_scalar(factor) and model.get_initializer(follower.input[1]) is not None
        return compact(factor).reshape(()) if ok else None
    if op in SHAPE_ONLY:
        return compact(factor).reshape(()) if is_scalar(factor) else None
    if op == "Transpose":
        perm = attribute(follower, "perm") or list(reversed(range(len(in_shape))))
        return transposed_constant(factor, len(in_shape), perm)
    if op == "Im2Col":
        if is_scalar(factor):
            return compact(factor).reshape(())
        vector = channel_vector(factor, in_shape, -1)
        if vector is None or attribute(follower, "pad_value", 0) != 0:
            return None
        kernel = attribute(follower, "kernel_size")
        return np.tile(vector, int(np.prod(kernel)))
    if op in POOLS:
        vector = channel_vector(factor, in_shape, POOLS[op])
        if vector is None or np.any(vector <= 0):
            return None  # max(x * a) == max(x) * a only for a > 0
        return compact(factor)
    return None


@transform(name="MoveMulForward", stage="topology_optimization")
class MoveMulForward(Transformation):  # type: ignore[misc]
    """Move ``Mul(x, c)`` (``c`` constant, the Mul's only reader next) past: ``MatMul``/``Conv``
    with constant weights (scalar ``c``); ``Reshape``/``Flatten`` (scalar); ``Transpose`` (``c``
    permuted); ``Im2Col`` (scalar, or per-channel tiled over the kernel window when padding is
    0); ``MaxPool``/``MaxPoolNHWC`` (per-channel, all positive)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            if node.op_type != "Mul":
                continue
            operand = constant_operand(model, node)
            follower = sole_consumer(model, node.output[0])
            if operand is None or follower is None or follower.input[0] != node.output[0]:
                continue
            moved = moved_mul_constant(model, follower, operand[1])
            if moved is None:
                continue
            swap_past(model, node, follower, moved)
            return model, True
        return model, False
