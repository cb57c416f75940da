"""Thresholds that reproduce a quantizer: ``level(x) = min_int + #{j : x >= T[c, j]}``.

For each level ``k`` the rounding function ``r`` (a monotone step function with steps at
integers or half-integers) gives the boundary ``t_k`` in the scaled domain
``v = x / scale + zero_point`` and whether ``v == t_k`` already reaches ``k``
(``ROUND`` = half-to-even: ``2.5 -> 2``, ``3.5 -> 4``). The threshold in the input domain is the
smallest float32 ``x`` whose float32 evaluation reaches ``k``; it is found from the exact
real-valued boundary by stepping float32 neighbours, so a ``MultiThreshold`` on a float32 input
agrees bit for bit with the ``Quant`` it replaces, ties included.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
from numpy.typing import ArrayLike, NDArray
from qonnx.custom_op.general.intquant import resolve_rounding_mode

from .quant_params import QuantSpec

MAX_STEPS = 64


def level_boundary(mode: str, level: int) -> tuple[float, bool]:
    """``(t, inclusive)``: ``r(v) >= level`` iff ``v >= t`` (inclusive) or ``v > t``."""
    rounding = resolve_rounding_mode(mode)
    for candidate in (level - 1.0, level - 0.5, float(level)):
        if rounding(np.float64(candidate)) >= level:
            return candidate, True
        if rounding(np.float64(candidate + 0.25)) >= level:
            return candidate, False
    raise AssertionError(f"rounding mode {mode} has no step to level {level}")  # unreachable


def quant_thresholds(spec: QuantSpec, scale: ArrayLike, zero: ArrayLike) -> NDArray[np.float64]:
    """Thresholds ``[C, steps]`` (float64 holding float32 values, ascending per row) for the
    per-channel ``scale`` and ``zero`` vectors (length ``C``, or 1 for per-tensor).
    ``steps = max_int - min_int`` (1 for bipolar)."""
    scale_col = np.asarray(scale, dtype=np.float32).reshape(-1, 1)
    zero_col = np.asarray(zero, dtype=np.float32).reshape(-1, 1)
    channels = max(scale_col.shape[0], zero_col.shape[0])
    scale_col = np.broadcast_to(scale_col, (channels, 1))
    zero_col = np.broadcast_to(zero_col, (channels, 1))
    if spec.scaled_bipolar:
        return np.zeros((channels, 1), dtype=np.float64)
    if spec.bipolar:
        boundaries = [(0.0, True)]
    else:
        levels = range(spec.min_int + 1, spec.max_int + 1)
        boundaries = [level_boundary(spec.rounding_mode, k) for k in levels]
    bound = np.array([b for b, _ in boundaries], dtype=np.float64)[None, :]
    inclusive = np.array([inc for _, inc in boundaries])[None, :]

    def reached(x: NDArray[np.float32]) -> NDArray[np.bool_]:
        v = (x / scale_col + zero_col).astype(np.float32).astype(np.float64)
        result: NDArray[np.bool_] = np.where(inclusive, v >= bound, v > bound)
        return result

    estimate = (bound - zero_col.astype(np.float64)) * scale_col.astype(np.float64)
    return smallest_reaching(reached, estimate).astype(np.float64)


def smallest_reaching(
    reached: Callable[[NDArray[np.float32]], NDArray[np.bool_]], estimate: ArrayLike
) -> NDArray[np.float32]:
    """The smallest float32 ``x`` (elementwise) with ``reached(x)``, for a predicate that is
    monotone in float32 ``x`` (false below a boundary, true from it on), starting from
    ``estimate`` (the real-valued boundary, a few float32 steps off at most). Elements whose
    predicate never holds get ``+inf``; elements for which it always holds ``-inf``."""
    x = np.asarray(estimate, dtype=np.float64).astype(np.float32)
    x = np.where(np.isnan(x), np.float32(0), x)
    for _ in range(MAX_STEPS):
        short = ~reached(x)
        if not short.any():
            break
        x = np.where(short, np.nextafter(x, np.float32(np.inf)), x)
    else:
        x = np.where(~reached(x), _bisect(reached, x, up=True), x)
    for _ in range(MAX_STEPS):
        lower = np.nextafter(x, np.float32(-np.inf))
        over = reached(lower) & (x > -np.inf)
        if not over.any():
            break
        x = np.where(over, lower, x)
    else:
        x = np.where(
            reached(np.nextafter(x, np.float32(-np.inf))), _bisect(reached, x, up=False), x
        )
    return np.where(reached(np.full_like(x, -np.inf)), np.float32(-np.inf), x)


def _bisect(
    reached: Callable[[NDArray[np.float32]], NDArray[np.bool_]],
    start: NDArray[np.float32],
    *,
    up: bool,
) -> NDArray[np.float32]:
    """The exact boundary by bisection over the ordered float32 bit patterns, between
    ``start`` and +inf (``up``) or -inf: for estimates too far off to step from."""
    order = _ordered(start)
    far = _ordered(np.full_like(start, np.inf if up else -np.inf))
    low, high = (order, far) if up else (far, order)
    # invariant: not reached at low (unless low is the far end), reached at high
    while np.any(high - low > 1):
        mid = low + (high - low) // 2
        hit = reached(_from_ordered(mid))
        high = np.where(hit & (high - low > 1), mid, high)
        low = np.where(~hit & (high - low > 1), mid, low)
    return _from_ordered(high)


def _ordered(x: NDArray[np.float32]) -> NDArray[np.int64]:
    """float32 values as integers in the same order (``-0.0`` and ``0.0`` adjacent)."""
    bits = np.asarray(x, dtype=np.float32).view(np.int32).astype(np.int64)
    return np.where(bits < 0, -(bits & 0x7FFFFFFF) - 1, bits)


def _from_ordered(order: NDArray[np.int64]) -> NDArray[np.float32]:
    bits = np.where(order < 0, (-(order + 1)) | -0x80000000, order).astype(np.int32)
    return bits.view(np.float32)
