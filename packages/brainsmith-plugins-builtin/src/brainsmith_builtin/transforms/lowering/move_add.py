"""``MoveAddForward``: constant ``Add`` nodes move past ``Mul``, ``MatMul`` and layout nodes."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from numpy.typing import NDArray
from qonnx.transformation.base import Transformation

from .constants import channel_vector, compact, is_scalar, varying_axes
from .graph import (
    after_accumulator,
    attribute,
    constant_operand,
    shape_of,
    sole_consumer,
    swap_past,
)
from .level_chain import channel_column, level_values
from .move_mul import POOLS, transposed_constant

ACCUMULATING = frozenset({"MatMul", "Conv", "Im2Col"})
PASS_THROUGH = frozenset(
    {"Mul", "Add", "Transpose", "Reshape", "Flatten", "MaxPool", "MaxPoolNHWC"}
)


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
        moved = compact(bias * operand[1])
        if not moves_exactly(model, follower, bias, operand[1], moved):
            return None
        return moved
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


def feeds_accumulator(model: Any, tensor: str) -> bool:
    """Whether ``tensor`` reaches a ``MatMul``/``Conv``/``Im2Col`` through single-reader
    elementwise and layout nodes."""
    while (reader := sole_consumer(model, tensor)) is not None:
        if reader.op_type in ACCUMULATING:
            return True
        if reader.op_type not in PASS_THROUGH:
            return False
        tensor = reader.output[0]
    return False


def moves_exactly(
    model: Any,
    mul: Any,
    bias: NDArray[np.float64],
    factor: NDArray[np.float64],
    moved: NDArray[np.float64],
) -> bool:
    """Whether ``(x + bias) * factor`` may become ``x * factor + moved``: float32 rounds the
    two differently in general, so only when both agree on every value ``x`` takes (``x``
    computed from integer levels, ``level_chain``), or next to a ``MatMul``/``Conv`` (fed by
    the result, or computing ``x``: its integer accumulation differs from the original's
    float32 sums anyway, and the bias has to pass it to be absorbed)."""
    source = mul.input[0]
    if feeds_accumulator(model, mul.output[0]) or after_accumulator(model, source):
        return True
    shape = shape_of(model, mul.output[0])
    if shape is None or shape_of(model, source) != shape:
        return False
    axes = set(varying_axes(bias, len(shape))) | set(varying_axes(factor, len(shape)))
    if len(axes) > 1:
        return False
    axis = axes.pop() if axes else len(shape) - 1
    b, a, ba = (channel_column(v, shape, axis) for v in (bias, factor, moved))
    if a is None or b is None or ba is None:
        return False
    add = constant_operand(model, model.find_producer(source))
    if add is None:
        return False
    x = level_values(model, add[0], axis, max(a.size, b.size))
    if x is None:
        return False
    with np.errstate(all="ignore"):
        return bool(np.array_equal((x + b) * a, x * a + ba, equal_nan=True))


@transform(name="MoveAddForward", stage="topology_optimization")
class MoveAddForward(Transformation):  # type: ignore[misc]
    """Move ``Add(x, b)`` (``b`` constant, the Add's only reader next) past: a constant ``Mul``
    (``b`` becomes ``b * a``; only when that keeps every float32 result or is next to a
    ``MatMul``/``Conv``, ``moves_exactly``); ``MatMul`` with constant weights (``b``
    broadcast along the last axis becomes ``b @ W``); ``Reshape``/``Flatten`` (scalar);
    ``Transpose`` (permuted); ``MaxPool``/``MaxPoolNHWC`` (per-channel). Not past
    ``Conv``/``Im2Col``: padding would see the bias."""

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
