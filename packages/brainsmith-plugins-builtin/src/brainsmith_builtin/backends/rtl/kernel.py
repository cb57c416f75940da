"""What every RTL kernel engine offers, and rtlsim of a whole tensor through one.

A kernel engine (``ThresholdingRtl``, ``MvauRtl``, ``StreamingFifoRtl``,
``StreamingDataWidthConverterRtl``) is built from the kernel's node attributes as plain values.
It turns a normal-shape input tensor into stream words, knows how many output words to expect
and turns them back into the normal-shape output, and gives the :class:`RtlDesign` to simulate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

import numpy as np
import numpy.typing as npt

from .design import RtlDesign
from .rtlsim import Stimulus, simulate_stream
from .simulator import Simulator

__all__ = [
    "RtlKernel",
    "RtlsimResult",
    "check_divides",
    "check_positive",
    "check_shape",
    "product",
    "rtlsim",
]


class RtlKernel(Protocol):
    """The engine side of a kernel's ``_rtl`` backend."""

    @property
    def expected_cycles(self) -> int:
        """The kernel's cycle formula for one input tensor of the normal shape."""
        ...

    @property
    def output_word_count(self) -> int:
        """How many output words one input tensor produces."""
        ...

    def design(self) -> RtlDesign:
        """The Verilog top module and its parameters."""
        ...

    def input_words(self, x: npt.ArrayLike) -> list[int]:
        """The normal-shape input tensor as stream words (raises ``ValueError`` on bad input)."""
        ...

    def output_tensor(self, words: list[int]) -> npt.NDArray[np.float32]:
        """Output stream words as the normal-shape output tensor (float32)."""
        ...


@dataclass(frozen=True, slots=True)
class RtlsimResult:
    """The output tensor (normal shape, float32 holding integers) and the cycles taken from the
    first input handshake to the last output handshake."""

    output: npt.NDArray[np.float32]
    cycles: int


def rtlsim(
    kernel: RtlKernel,
    x: npt.ArrayLike,
    *,
    stimulus: Stimulus | None = None,
    simulator: Simulator | None = None,
    cache_dir: Path | None = None,
) -> RtlsimResult:
    """Simulate ``kernel`` on the normal-shape input ``x``.

    Raises ``ValueError`` for an input of the wrong shape or datatype,
    :class:`~.simulator.SimulatorNotFoundError` without a simulator and
    :class:`~.simulator.SimulationError` when the simulation fails.
    """
    words = kernel.input_words(x)
    stimulus = stimulus or Stimulus()
    slowdown = 1.0 / ((1.0 - stimulus.gap_probability) * (1.0 - stimulus.stall_probability))
    timeout = int(8 * slowdown * (kernel.expected_cycles + len(words) + kernel.output_word_count))
    run = simulate_stream(
        kernel.design(),
        words,
        kernel.output_word_count,
        stimulus=stimulus,
        timeout_cycles=timeout + 10_000,
        simulator=simulator,
        cache_dir=cache_dir,
    )
    return RtlsimResult(output=kernel.output_tensor(run.words), cycles=run.cycles)


def check_shape(x: npt.ArrayLike, shape: Sequence[int], *, where: str) -> npt.NDArray[np.float64]:
    """``x`` as a float64 array, or ``ValueError`` when its shape is not ``shape``."""
    array = np.asarray(x, dtype=np.float64)
    if tuple(array.shape) != tuple(shape):
        raise ValueError(
            f"{where}: input shape {list(array.shape)} differs from the expected {list(shape)}"
        )
    return array


def check_positive(where: str, **values: int) -> None:
    """``ValueError`` naming ``where`` and the attribute when a value is not a positive int."""
    for name, value in values.items():
        if not isinstance(value, int | np.integer) or value < 1:
            raise ValueError(f"{where}: attribute {name} must be a positive integer, got {value!r}")


def check_divides(where: str, divisor_name: str, divisor: int, name: str, value: int) -> None:
    """``ValueError`` when ``divisor`` does not divide ``value`` (e.g. PE and NumChannels)."""
    if value % divisor:
        choices = [d for d in range(1, value + 1) if value % d == 0]
        raise ValueError(
            f"{where}: {divisor_name}={divisor} must divide {name}={value}; legal values: "
            f"{choices[:16]}{' ...' if len(choices) > 16 else ''}"
        )


def product(values: Sequence[int]) -> int:
    """The product of a shape's entries (1 for an empty shape)."""
    return math.prod(int(v) for v in values)
