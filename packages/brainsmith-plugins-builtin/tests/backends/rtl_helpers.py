"""Shared pieces of the RTL backend tests: the simulator (or a skip) and the build cache."""

from __future__ import annotations

import tempfile
from pathlib import Path

import numpy as np
import numpy.typing as npt
import pytest
from brainsmith_builtin.backends.rtl.simulator import (
    Simulator,
    SimulatorNotFoundError,
    find_simulator,
)
from qonnx.core.datatype import DataType

#: Random input gaps and output back-pressure used for the bit-exactness checks.
GAP = 0.3
STALL = 0.4


def simulator_or_skip() -> Simulator:
    """The simulator to test with, or a skip that says what to install."""
    try:
        return find_simulator()
    except SimulatorNotFoundError as error:
        pytest.skip(f"no Verilog simulator: {error}")


def build_cache(config: pytest.Config) -> Path:
    """Compiled simulations kept between test runs in pytest's cache folder."""
    cache = getattr(config, "cache", None)
    if cache is None:  # the cache plugin is off (-p no:cacheprovider)
        return Path(tempfile.gettempdir(), "brainsmith-rtlsim-tests")
    return Path(cache.mkdir("brainsmith-rtlsim"))


def random_values(
    rng: np.random.Generator, datatype: str, shape: tuple[int, ...]
) -> npt.NDArray[np.float32]:
    """Uniformly random values of a qonnx integer datatype (BIPOLAR: -1/+1)."""
    dt = DataType[datatype]
    if datatype == "BIPOLAR":
        return rng.choice(np.array([-1.0, 1.0], dtype=np.float32), size=shape)
    return rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)


def assert_cycles_near(measured: int, expected: int) -> None:
    """rtlsim cycles within 15% of the contract's cycle formula."""
    assert abs(measured - expected) <= 0.15 * expected, (measured, expected)
