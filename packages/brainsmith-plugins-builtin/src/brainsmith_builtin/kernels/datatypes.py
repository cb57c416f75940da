"""Integer datatype arithmetic shared by the builtin kernels and their inference rules."""

from __future__ import annotations

from typing import Any

import numpy as np
from qonnx.core.datatype import DataType


def smallest_integer_type(lo: float, hi: float) -> Any:
    """The narrowest qonnx ``UINTn``/``INTn`` holding every integer in ``[lo, hi]``
    (``smallest_integer_type(-9, 3) == INT5``, ``(0, 255) == UINT8``)."""
    lo, hi = int(np.floor(lo)), int(np.ceil(hi))
    if lo > hi:
        raise ValueError(f"empty range [{lo}, {hi}]")
    if lo >= 0:
        return DataType[f"UINT{max(hi.bit_length(), 1)}"]
    bits = max((-lo - 1).bit_length(), hi.bit_length()) + 1
    return DataType[f"INT{bits}"]


def count_thresholds(values: Any, thresholds: Any, act_val: int) -> Any:
    """Multi-threshold activation over the last axis: ``act_val + #{j : v >= T[c, j]}``.

    ``values`` has shape ``(..., C)``; ``thresholds`` ``(C, steps)`` or ``(1, steps)`` (shared
    by all channels). Returns float32 of ``values``' shape.
    """
    t = np.asarray(thresholds, dtype=np.float64)
    counts = (np.asarray(values, dtype=np.float64)[..., None] >= t).sum(axis=-1)
    return (counts + act_val).astype(np.float32)
