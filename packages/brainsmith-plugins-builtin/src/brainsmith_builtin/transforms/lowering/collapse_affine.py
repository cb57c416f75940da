"""``CollapseRepeatedAffine``: chains of constant ``Mul`` or ``Add`` become one node when that
changes no float32 result; a ``Mul`` by 1 or an ``Add`` of 0 disappears."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from numpy.typing import NDArray
from qonnx.transformation.base import Transformation

from .constants import compact, varying_axes
from .graph import after_accumulator, constant_operand, new_constant, shape_of, sole_consumer
from .level_chain import channel_column, level_values

NEUTRAL = {"Mul": 1.0, "Add": 0.0}


@transform(name="CollapseRepeatedAffine", stage="topology_optimization")
class CollapseRepeatedAffine(Transformation):  # type: ignore[misc]
    """``Mul(Mul(x, a), b) -> Mul(x, a * b)`` and ``Add(Add(x, a), b) -> Add(x, a + b)`` (the
    first node read only by the second; constants combined in float64, stored float32) when
    the combined node computes the same float32 values (``combines_exactly``);
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
            if not combines_exactly(model, node, source, value, second[1]):
                continue
            follower.input[0] = source
            follower.input[1] = new_constant(model, compact(combined))
            graph.node.remove(node)
            return model, True
        return model, False


def is_power_of_two(value: NDArray[np.float64]) -> bool:
    """Whether every entry of ``value`` is ``+-2**k``."""
    mantissa, _ = np.frexp(np.asarray(value, dtype=np.float64))
    return bool(np.all(np.abs(mantissa) == 0.5))


def combines_exactly(
    model: Any, node: Any, source: str, first: NDArray[np.float64], second: NDArray[np.float64]
) -> bool:
    """Whether ``op(op(x, first), second) == op(x, combined)`` in float32 for every value
    ``x = source`` can take: a ``Mul`` where one factor is a power of two (scaling by ``2**k``
    commutes with rounding, overflow and subnormal results aside), or any pair when ``source``
    is computed from integer levels (``level_chain``) and both forms agree on every level.
    Float32 rounds ``(x * a) * b`` and ``x * (a * b)`` differently in general. Also any pair
    computed from a ``MatMul``/``Conv`` output (``graph.after_accumulator``): its integer
    accumulation already differs from the original's float32 sums, so merging there loses
    nothing that could be kept."""
    op = node.op_type
    if op == "Mul" and (is_power_of_two(first) or is_power_of_two(second)):
        return True
    if after_accumulator(model, source):
        return True
    shape = shape_of(model, source)
    if shape is None or shape != shape_of(model, node.output[0]):
        return False
    axes = set(varying_axes(first, len(shape))) | set(varying_axes(second, len(shape)))
    if len(axes) > 1:
        return False
    axis = axes.pop() if axes else len(shape) - 1
    combined = first * second if op == "Mul" else first + second
    columns = [channel_column(c, shape, axis) for c in (first, second, combined)]
    a, b, ab = columns
    if a is None or b is None or ab is None:
        return False
    x = level_values(model, source, axis, max(a.size, b.size))
    if x is None:
        return False
    apply = np.multiply if op == "Mul" else np.add
    with np.errstate(all="ignore"):
        return bool(np.array_equal(apply(apply(x, a), b), apply(x, ab), equal_nan=True))
