"""Absorbing a constant ``Add`` or positive ``Mul`` into the thresholds of the
``MultiThreshold`` that reads it.

Thresholds are kept in float64 while they are rewritten (``RoundAndClipThresholds`` stores the
final float32 values), so absorbing a chain of scales and biases adds no float32 rounding.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from numpy.typing import NDArray
from qonnx.transformation.base import Transformation

from .constants import channel_vector
from .graph import (
    channel_axis_of_threshold,
    constant_operand,
    new_constant,
    shape_of,
    sole_consumer,
)

HIGHEST = float(np.finfo(np.float32).max)
LOWEST = float(np.finfo(np.float32).min)


def _threshold_target(
    model: Any, node: Any, op_type: str
) -> tuple[Any, str, NDArray[np.float64], NDArray[np.float64]] | None:
    """For ``node`` = ``op_type(x, c)`` read only by a MultiThreshold: ``(threshold node, x,
    per-channel c as a column [C or 1, 1], thresholds [C or 1, steps])``."""
    if node.op_type != op_type:
        return None
    operand = constant_operand(model, node)
    follower = sole_consumer(model, node.output[0])
    if operand is None or follower is None or follower.op_type != "MultiThreshold":
        return None
    shape = shape_of(model, node.output[0])
    thresholds = model.get_initializer(follower.input[1])
    if shape is None or thresholds is None or follower.input[0] != node.output[0]:
        return None
    axis = channel_axis_of_threshold(follower, len(shape))
    if axis is None:
        return None
    vector = channel_vector(operand[1], shape, axis)
    if vector is None:
        return None
    steps = np.asarray(thresholds, dtype=np.float64)
    if steps.shape[0] not in (1, vector.size):
        return None
    column: NDArray[np.float64] = vector.reshape(-1, 1)
    return follower, operand[0], column, steps


def _replace(model: Any, node: Any, follower: Any, source: str, steps: NDArray[np.float64]) -> None:
    follower.input[0] = source
    follower.input[1] = new_constant(model, steps, dtype=np.float64)
    model.graph.node.remove(node)


@transform(name="AbsorbAddIntoMultiThreshold", stage="topology_optimization")
class AbsorbAddIntoMultiThreshold(Transformation):  # type: ignore[misc]
    """``MultiThreshold(x + b, T) -> MultiThreshold(x, T - b)`` for scalar or per-channel
    constant ``b`` (single-row thresholds are expanded to one row per channel)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            target = _threshold_target(model, node, "Add")
            if target is None:
                continue
            follower, source, bias, steps = target
            _replace(model, node, follower, source, steps - bias)
            return model, True
        return model, False


@transform(name="AbsorbMulIntoMultiThreshold", stage="topology_optimization")
class AbsorbMulIntoMultiThreshold(Transformation):  # type: ignore[misc]
    """``MultiThreshold(x * a, T) -> MultiThreshold(x, T / a)`` for scalar or per-channel
    constant ``a >= 0`` (a channel with ``a == 0`` gets thresholds that always or never fire).
    Negative entries are left for ``FactorSignIntoWeights``."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            target = _threshold_target(model, node, "Mul")
            if target is None:
                continue
            follower, source, factor, steps = target
            if np.any(factor < 0):
                continue
            safe = np.where(factor == 0, 1.0, factor)
            zero_case = np.where(steps <= 0, LOWEST, HIGHEST)
            _replace(model, node, follower, source, np.where(factor == 0, zero_case, steps / safe))
            return model, True
        return model, False
