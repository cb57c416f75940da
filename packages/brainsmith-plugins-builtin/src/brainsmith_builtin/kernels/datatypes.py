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


BIPOLAR_NAME = "BIPOLAR"
"""The qonnx name of the -1/+1 datatype."""


def threshold_activation(values: Any, thresholds: Any, act_val: int, output_datatype: str) -> Any:
    """The kernels' multi-threshold activation over the last axis, by output datatype.

    - ``BIPOLAR`` output: one threshold per channel (``thresholds`` ``(C, 1)`` or ``(1, 1)``),
      ``y = 2 * count - 1`` with ``count`` in ``{0, 1}``, i.e. ``+1`` where ``v >= T[c, 0]`` and
      ``-1`` elsewhere; ``act_val`` is ignored (the scale 2 and bias -1 are implied by the type,
      as in a qonnx ``MultiThreshold`` with ``out_scale=2, out_bias=-1``).
    - any other output: ``act_val + count`` (see :func:`count_thresholds`).

    Returns float32 of ``values``' shape. Raises ``ValueError`` for a BIPOLAR output with other
    than one threshold per channel.
    """
    if output_datatype != BIPOLAR_NAME:
        return count_thresholds(values, thresholds, act_val)
    steps = np.shape(thresholds)[-1]
    if steps != 1:
        raise ValueError(
            f"a BIPOLAR output needs exactly one threshold per channel, got {steps}; "
            "use an integer outputDataType for multi-step thresholds"
        )
    return 2 * count_thresholds(values, thresholds, 0) - 1
