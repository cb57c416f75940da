"""Exact thresholds for a quantizer whose input is a float32 function of integer levels.

A ``Quant`` that reads ``g(l)``, where ``l`` is the output of a ``MultiThreshold`` (finitely
many levels) and ``g`` a chain of elementwise ops with constant operands (``Mul``, ``Add``,
``Sub``, ``Div``, ``Relu``), sees finitely many float32 values. Evaluating the original chain
and the quantizer in float32, in the order onnxruntime and qonnx execute them, on every level
gives the quantizer's output level for each input level; a ``MultiThreshold`` reading ``l``
itself reproduces that exactly, ties included, when it is non-decreasing in ``l`` per channel.
Absorbing the chain's constants into thresholds in float64 (as streamlining does) would not:
``(l * 0.1) / 0.2`` in float32 is not ``l / 2``.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .constants import channel_vector
from .graph import attribute, shape_of
from .notes import UnsupportedNode
from .quant_params import QuantSpec

ELEMENTWISE = frozenset({"Mul", "Add", "Sub", "Div", "Relu"})
MAX_LEVELS = 1 << 16
"""The most levels an upstream ``MultiThreshold`` may have for its chain to be enumerated."""


@dataclass(frozen=True)
class ChainStep:
    """One elementwise node of the chain: ``op_type`` applied to ``x`` and ``constant`` (a
    float32 column ``[C or 1, 1]``; ``None`` for ``Relu``), ``constant_first`` for
    ``Sub(c, x)``/``Div(c, x)``."""

    node: Any
    op_type: str
    constant: NDArray[np.float32] | None
    constant_first: bool

    def apply(self, x: NDArray[np.float32]) -> NDArray[np.float32]:
        """The step on ``x`` (``[C or 1, K]`` float32), rounded to float32 as ONNX does."""
        if self.op_type == "Relu":
            return np.maximum(x, np.float32(0))
        c = self.constant
        assert c is not None
        a, b = (c, x) if self.constant_first else (x, c)
        result = {"Mul": np.multiply, "Add": np.add, "Sub": np.subtract, "Div": np.divide}[
            self.op_type
        ](a, b)
        return np.asarray(result, dtype=np.float32)


@dataclass(frozen=True)
class LevelChain:
    """The chain from the level tensor ``source`` (values ``levels``, ascending) to a
    quantizer's input, its ``steps`` in execution order."""

    source: str
    levels: NDArray[np.float32]
    steps: tuple[ChainStep, ...]

    def evaluate(self, channels: int) -> NDArray[np.float32]:
        """The chain's output for every level: ``[channels, K]`` float32."""
        x = np.broadcast_to(self.levels[None, :], (channels, self.levels.size)).copy()
        with np.errstate(all="ignore"):
            for step in self.steps:
                x = np.broadcast_to(step.apply(x), (channels, self.levels.size)).copy()
        return x


def _step(model: Any, node: Any, shape: list[int], axis: int) -> tuple[ChainStep, str] | None:
    """``node`` as a chain step and its dynamic input, or ``None`` if it is not one (another
    op, a non-constant operand, a constant varying along another axis, or a broadcast)."""
    if node.op_type not in ELEMENTWISE or len(node.output) != 1:
        return None
    if node.op_type == "Relu":
        source = node.input[0]
        if shape_of(model, source) != shape:
            return None
        return ChainStep(node, "Relu", None, False), source
    if len(node.input) != 2:
        return None
    values = [model.get_initializer(name) for name in node.input]
    if (values[0] is None) == (values[1] is None):
        return None
    constant_first = values[0] is not None
    source = node.input[1] if constant_first else node.input[0]
    raw = np.asarray(values[0] if constant_first else values[1])
    if raw.dtype != np.float32 or shape_of(model, source) != shape:
        return None
    column = channel_column(raw, shape, axis)
    if column is None:
        return None
    return ChainStep(node, node.op_type, column, constant_first), source


def _levels_of(model: Any, producer: Any) -> NDArray[np.float32] | None:
    """The output values of a ``MultiThreshold`` (``out_scale * k + out_bias`` for ``k`` in
    ``0..steps``), ascending, or ``None`` if there are too many or they are not integers."""
    thresholds = model.get_initializer(producer.input[1])
    if thresholds is None or np.ndim(thresholds) != 2:
        return None
    count = int(np.shape(thresholds)[1]) + 1
    if count > MAX_LEVELS:
        return None
    scale = np.float32(attribute(producer, "out_scale", 1.0))
    bias = np.float32(attribute(producer, "out_bias", 0.0))
    values = np.sort(np.arange(count, dtype=np.float32) * scale + bias)
    if not np.array_equal(values, np.round(values)):
        return None
    return values.astype(np.float32)


def find_level_chain(model: Any, tensor: str, axis: int) -> LevelChain | None:
    """The chain of elementwise steps from a ``MultiThreshold`` output to ``tensor`` (shapes
    unchanged along the way, constants scalar or varying along ``axis`` only), or ``None``."""
    shape = shape_of(model, tensor)
    if shape is None:
        return None
    steps: list[ChainStep] = []
    current = tensor
    while (producer := model.find_producer(current)) is not None:
        if producer.op_type == "MultiThreshold":
            levels = _levels_of(model, producer)
            if levels is None:
                return None
            return LevelChain(current, levels, tuple(reversed(steps)))
        found = _step(model, producer, shape, axis)
        if found is None:
            return None
        steps.append(found[0])
        current = found[1]
    return None


def channel_column(
    value: NDArray[np.float64], shape: list[int], axis: int
) -> NDArray[np.float32] | None:
    """``value`` (broadcasting against ``shape``) as a float32 column ``[C or 1, 1]`` of its
    entries along ``axis``, or ``None`` if it varies along another axis."""
    vector = channel_vector(value, shape, axis)
    return None if vector is None else vector.astype(np.float32).reshape(-1, 1)


def level_values(model: Any, tensor: str, axis: int, channels: int) -> NDArray[np.float32] | None:
    """The float32 values ``[channels, K]`` each channel of ``tensor`` takes, when it is
    computed from integer levels (``find_level_chain`` along ``axis``); else ``None``."""
    chain = find_level_chain(model, tensor, axis)
    return None if chain is None else chain.evaluate(channels)


def level_thresholds(
    chain: LevelChain, spec: QuantSpec, scale: NDArray[np.float64], zero: NDArray[np.float64]
) -> NDArray[np.float64]:
    """Thresholds ``[C, steps]`` on the levels of ``chain.source`` reproducing ``spec`` (with
    per-channel ``scale``/``zero`` vectors, length ``C`` or 1) applied to the chain's output:
    for output level ``m`` the smallest input level reaching it (one above the largest level
    when none does). Raises ``UnsupportedNode`` when the output level is not non-decreasing
    in the input level in some channel (a negative scale in the chain)."""
    sizes = [s.constant.size for s in chain.steps if s.constant is not None]
    channels = max(scale.size, zero.size, *sizes)
    per_channel = dataclasses.replace(
        spec,
        scale=np.asarray(scale, dtype=np.float32).reshape(-1, 1),
        zero_point=np.asarray(zero, dtype=np.float32).reshape(-1, 1),
    )
    with np.errstate(all="ignore"):
        out = per_channel.integer_levels(chain.evaluate(channels))
    out = np.broadcast_to(out, (channels, chain.levels.size))
    falling = np.flatnonzero(np.any(np.diff(out, axis=1) < 0, axis=1))
    if falling.size:
        raise UnsupportedNode(
            f"its input is a float32 function of the integer levels of {chain.source} that "
            f"decreases as the level grows in channel {int(falling[0])} (a negative scale); "
            "no thresholds on those levels reproduce it"
        )
    if spec.bipolar:
        targets = np.array([1.0], dtype=np.float32)
    else:
        targets = np.arange(spec.min_int + 1, spec.max_int + 1, dtype=np.float32)
    # the first level reaching each target; K (none reaches it) maps to one above the last
    first = np.stack([np.searchsorted(row, targets, side="left") for row in out])
    candidates = np.append(chain.levels.astype(np.float64), np.float64(chain.levels[-1]) + 1.0)
    return np.asarray(candidates[first], dtype=np.float64)
