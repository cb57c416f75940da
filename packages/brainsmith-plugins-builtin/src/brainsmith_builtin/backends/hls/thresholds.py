"""Threshold tables for ``Thresholding`` and ``MVAU``: validated, made integer, folded by PE.

The kernels compute ``y = ActVal + count(x >= T[c, k] for k in steps)`` on integer ``x``. For an
integer ``x``, ``x >= t`` holds exactly when ``x >= ceil(t)``, and a threshold below the smallest
possible ``x`` (above the largest) always (never) counts; so each threshold is rounded up and
clipped to ``[low, high + 1]``, which keeps the hardware comparators as narrow as the input.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from brainsmith_builtin.backends.hls.cpp import bits_for_signed, bits_for_unsigned, int_literal
from brainsmith_builtin.backends.hls.elements import Element, Encoding
from brainsmith_builtin.backends.hls.errors import HLSParameterError


@dataclass(frozen=True)
class ThresholdTable:
    """Integer thresholds ``[channels, steps]`` and the ``ap_int`` type that holds them."""

    values: NDArray[np.int64]
    bits: int

    @property
    def steps(self) -> int:
        """Thresholds per channel."""
        return int(self.values.shape[1])

    @property
    def cpp_type(self) -> str:
        """``ap_int<bits>``."""
        return f"ap_int<{self.bits}>"

    @property
    def count_type(self) -> str:
        """An ``ap_uint`` wide enough for a count of ``0..steps``."""
        return f"ap_uint<{bits_for_unsigned(self.steps)}>"

    def declaration(self, name: str, pe: int) -> str:
        """``static const ap_int<B> name[PE][C/PE][steps]``; channel ``c = nf * PE + p``."""
        channels = self.values.shape[0]
        folded = self.values.reshape(channels // pe, pe, self.steps).transpose(1, 0, 2)
        rows = [
            "{"
            + ", ".join(
                "{" + ", ".join(int_literal(int(v), self.cpp_type) for v in steps) + "}"
                for steps in per_pe
            )
            + "}"
            for per_pe in folded
        ]
        body = ",\n    ".join(rows)
        return (
            f"static const {self.cpp_type} {name}[{pe}][{channels // pe}][{self.steps}] = {{\n"
            f"    {body}\n}};\n"
        )


def threshold_table(
    thresholds: NDArray[np.generic],
    *,
    channels: int,
    steps: int | None,
    low: int,
    high: int,
    node: str,
) -> ThresholdTable:
    """Validate ``thresholds`` (``[channels, steps]`` or ``[1, steps]``) and make them integer.

    ``low``/``high`` bound the integer values compared against them. A single row applies to
    every channel. ``steps=None`` takes the count from the array.

    Raises:
        HLSParameterError: wrong rank or shape, or a NaN threshold.
    """
    where = f"node {node!r}, input 'T' (thresholds)"
    array = np.asarray(thresholds, dtype=np.float64)
    expected_steps = array.shape[-1] if steps is None else steps
    if array.ndim != 2 or array.shape[0] not in (1, channels) or array.shape[1] != expected_steps:
        raise HLSParameterError(
            f"thresholds have shape {list(array.shape)}, expected "
            f"[{channels}, {expected_steps}] or [1, {expected_steps}]",
            where=where,
            fix="give one row of thresholds per channel (or one row for all channels)",
        )
    if expected_steps < 1:
        raise HLSParameterError(
            "there are no thresholds", where=where, fix="give at least one threshold per channel"
        )
    if np.isnan(array).any():
        raise HLSParameterError("a threshold is NaN", where=where, fix="give finite thresholds")
    rounded = np.clip(np.ceil(array), low, high + 1).astype(np.int64)
    full = np.broadcast_to(rounded, (channels, expected_steps)).copy()
    return ThresholdTable(full, bits_for_signed(low, high + 1))


def check_activation_output(
    act_val: int, steps: int, output: Element, *, node: str, attribute: str = "outputDataType"
) -> None:
    """Check every activation output fits ``output``: ``ActVal + count`` (count in
    ``0..steps``), or for a ``BIPOLAR`` output ``2 * count - 1`` with exactly one threshold
    (``ActVal`` is then ignored).

    Raises:
        HLSParameterError: some output value does not fit, or a BIPOLAR output has other than
            one threshold per channel.
    """
    if output.encoding is Encoding.BIPOLAR:
        if steps != 1:
            raise HLSParameterError(
                f"a BIPOLAR output (2 * count - 1) needs exactly one threshold per channel, "
                f"got {steps}",
                where=f"node {node!r}, attribute {attribute!r}",
                fix="give one threshold per channel, or use an integer output datatype",
            )
        return
    low, high = act_val, act_val + steps
    if not (output.min <= low and high <= output.max):
        raise HLSParameterError(
            f"outputs ActVal + count span [{low}, {high}] ({steps} thresholds), which "
            f"{output.datatype} cannot hold",
            where=f"node {node!r}, attribute {attribute!r}",
            fix="use an output datatype covering that range, or adjust ActVal",
        )


def activation_value(act_val: int, count: str, output: Element) -> str:
    """The C++ expression of an activation output from the threshold count ``count`` (an
    ``ap_uint`` expression): ``2 * count - 1`` for a ``BIPOLAR`` output (its encoder stores
    1 for +1 and 0 for -1), else ``ActVal + count``."""
    if output.encoding is Encoding.BIPOLAR:
        return f"2 * {count}.to_int() - 1"
    return f"{act_val} + {count}.to_int()"
