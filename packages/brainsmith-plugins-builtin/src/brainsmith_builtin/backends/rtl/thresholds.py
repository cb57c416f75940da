"""Threshold memories shared by the Thresholding and MVAU designs.

A multi-threshold activation computes ``y = ActVal + count(v >= T[c, :])`` for an integer ``v``.
Since ``v`` is an integer, ``v >= t`` equals ``v >= ceil(t)``, and a threshold below the smallest
possible ``v`` (or above the largest) can be clamped to ``v_min`` (or ``v_max + 1``) without
changing any result; the hardware therefore compares in just enough signed bits for
``[v_min, v_max + 1]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .encoding import element_format

__all__ = [
    "ThresholdMemory",
    "check_activation_output",
    "hardware_act_val",
    "signed_bits",
    "threshold_memory",
]


def signed_bits(minimum: int, maximum: int) -> int:
    """The fewest two's complement bits that hold every integer in ``[minimum, maximum]``."""
    bits = 1
    while not (-(1 << (bits - 1)) <= minimum and maximum <= (1 << (bits - 1)) - 1):
        bits += 1
    return bits


@dataclass(frozen=True, slots=True)
class ThresholdMemory:
    """A threshold ROM: ``words`` (one per channel fold) of ``pe * steps * bits`` bits, lane ``p``
    step ``s`` at element index ``p * steps + s``, each a ``bits``-bit two's complement number."""

    words: list[int]
    steps: int
    bits: int


def threshold_memory(
    thresholds: npt.ArrayLike,
    channels: int,
    pe: int,
    value_range: tuple[int, int],
    *,
    where: str,
    min_bits: int = 1,
) -> ThresholdMemory:
    """Fold thresholds of shape ``[channels, steps]`` or ``[1, steps]`` into a ROM.

    ``value_range`` is ``(v_min, v_max)`` of the compared values; ``min_bits`` a lower bound for
    the comparison width. Raises ``ValueError`` (naming ``where``) for a wrong shape or
    non-finite thresholds.
    """
    array = np.asarray(thresholds, dtype=np.float64)
    if array.ndim != 2 or array.shape[0] not in (1, channels) or array.shape[1] < 1:
        raise ValueError(
            f"{where}: thresholds must have shape [{channels}, steps] or [1, steps] with "
            f"steps >= 1, got {list(array.shape)}"
        )
    if not np.all(np.isfinite(array)):
        raise ValueError(f"{where}: thresholds must be finite numbers")
    low, high = value_range
    steps = int(array.shape[1])
    full = np.broadcast_to(array, (channels, steps))
    clamped = np.clip(np.ceil(full), low, high + 1).astype(np.int64)
    bits = max(min_bits, signed_bits(low, high + 1))
    mask = (1 << bits) - 1
    words = []
    for fold in range(channels // pe):
        word = 0
        for lane in range(pe):
            for step in range(steps):
                code = int(clamped[fold * pe + lane, step]) & mask
                word |= code << ((lane * steps + step) * bits)
        words.append(word)
    return ThresholdMemory(words=words, steps=steps, bits=bits)


def check_activation_output(act_val: int, steps: int, output_datatype: str, *, where: str) -> None:
    """Check that the activation output fits ``output_datatype``: ``ActVal + count`` (count in
    ``[0, steps]``), or for ``BIPOLAR`` ``2 * count - 1`` with exactly one step (``ActVal``
    ignored; see :func:`hardware_act_val`).

    Raises ``ValueError`` naming ``where`` and the fix.
    """
    fmt = element_format(output_datatype)
    if fmt.bipolar:
        if steps != 1:
            raise ValueError(
                f"{where}: outputDataType BIPOLAR (2 * count - 1) needs exactly one threshold "
                f"per channel, got {steps}; use an integer outputDataType for more steps"
            )
        return
    if act_val < fmt.minimum or act_val + steps > fmt.maximum:
        raise ValueError(
            f"{where}: ActVal {act_val} plus up to {steps} steps spans [{act_val}, "
            f"{act_val + steps}], which does not fit outputDataType {output_datatype} "
            f"[{fmt.minimum}, {fmt.maximum}]; widen outputDataType or change ActVal"
        )


def hardware_act_val(act_val: int, output_datatype: str) -> int:
    """The ``ACT_VAL`` parameter of ``bs_threshold_count`` for an activation with output
    ``output_datatype``: ``act_val``, or 0 for ``BIPOLAR``, whose one-bit code (+1 -> 1,
    -1 -> 0) of ``2 * count - 1`` is the count itself (count in {0, 1})."""
    return 0 if element_format(output_datatype).bipolar else act_val
