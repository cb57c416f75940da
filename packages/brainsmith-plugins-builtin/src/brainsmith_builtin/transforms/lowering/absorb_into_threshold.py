"""Absorbing a constant ``Add`` or positive ``Mul`` into the thresholds of the
``MultiThreshold`` that reads it.

The ``MultiThreshold`` compares a float32 input with its thresholds, and ``x * a`` or
``x + b`` is rounded to float32 before the comparison; so the new threshold is not ``T / a``
or ``T - b`` but the smallest float32 ``x`` whose float32 ``x * a`` (``x + b``) reaches ``T``
(``absorbed_thresholds``): every float32 input, integer levels included, lands on the same
output level as before the rewrite, rounding ties included.
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
from .thresholds import smallest_reaching

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


def as_float32_thresholds(steps: NDArray[np.float64]) -> NDArray[np.float32]:
    """The float32 thresholds a float32 input compares the same way against as ``steps``
    (the smallest float32 at or above each)."""
    result = np.asarray(steps, dtype=np.float64).astype(np.float32)
    low = result.astype(np.float64) < steps
    return np.where(low, np.nextafter(result, np.float32(np.inf)), result)


def absorbed_thresholds(
    op_type: str, steps: NDArray[np.float64], column: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Thresholds ``T'`` with ``x >= T'`` iff float32 ``op(x, c) >= T`` for every float32
    ``x`` (``op`` ``Add`` or ``Mul`` by a positive ``c``; ``column`` ``[C or 1, 1]``, ``steps``
    ``[C or 1, steps]``); ``+-inf`` where no or every ``x`` reaches ``T``."""
    target = as_float32_thresholds(steps)
    constant = column.astype(np.float32)
    shape = np.broadcast_shapes(target.shape, constant.shape)
    target = np.broadcast_to(target, shape)
    if op_type == "Add":
        estimate = target.astype(np.float64) - column

        def reached(x: NDArray[np.float32]) -> NDArray[np.bool_]:
            return np.asarray((x + constant) >= target)
    else:
        estimate = target.astype(np.float64) / column

        def reached(x: NDArray[np.float32]) -> NDArray[np.bool_]:
            return np.asarray((x * constant) >= target)

    with np.errstate(all="ignore"):
        found = smallest_reaching(reached, np.broadcast_to(estimate, shape))
    return found.astype(np.float64)


def _replace(model: Any, node: Any, follower: Any, source: str, steps: NDArray[np.float64]) -> None:
    follower.input[0] = source
    follower.input[1] = new_constant(model, steps, dtype=np.float64)
    model.graph.node.remove(node)


@transform(name="AbsorbAddIntoMultiThreshold", stage="topology_optimization")
class AbsorbAddIntoMultiThreshold(Transformation):  # type: ignore[misc]
    """``MultiThreshold(x + b, T) -> MultiThreshold(x, T')`` for scalar or per-channel
    constant ``b``, ``T'`` about ``T - b``, exact for float32 (``absorbed_thresholds``;
    single-row thresholds are expanded to one row per channel)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            target = _threshold_target(model, node, "Add")
            if target is None:
                continue
            follower, source, bias, steps = target
            _replace(model, node, follower, source, absorbed_thresholds("Add", steps, bias))
            return model, True
        return model, False


@transform(name="AbsorbMulIntoMultiThreshold", stage="topology_optimization")
class AbsorbMulIntoMultiThreshold(Transformation):  # type: ignore[misc]
    """``MultiThreshold(x * a, T) -> MultiThreshold(x, T')`` for scalar or per-channel
    constant ``a >= 0``, ``T'`` about ``T / a``, exact for float32 (``absorbed_thresholds``;
    a channel with ``a == 0`` gets thresholds that always or never fire). Negative entries
    are left for ``FactorSignIntoWeights``."""

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
            scaled = absorbed_thresholds("Mul", steps, safe)
            _replace(model, node, follower, source, np.where(factor == 0, zero_case, scaled))
            return model, True
        return model, False
