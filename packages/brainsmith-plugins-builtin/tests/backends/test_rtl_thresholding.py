"""rtlsim of the RTL Thresholding equals a numpy reference of the contract bit-exactly, and takes
prod(numInputVectors) * NumChannels / PE cycles."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pytest
from brainsmith_builtin.backends.rtl.kernel import rtlsim
from brainsmith_builtin.backends.rtl.rtlsim import Stimulus
from brainsmith_builtin.backends.rtl.thresholding import ThresholdingRtl
from qonnx.core.datatype import DataType
from rtl_helpers import (
    GAP,
    STALL,
    assert_cycles_near,
    build_cache,
    random_values,
    simulator_or_skip,
)


def reference(
    x: npt.NDArray[np.float32], thresholds: npt.NDArray[np.float32], act_val: int
) -> npt.NDArray[np.float32]:
    """y = ActVal + count(x >= T[c, :]) over the last (channel) axis."""
    full = np.broadcast_to(thresholds, (x.shape[-1], thresholds.shape[1]))
    return (act_val + (x[..., :, None] >= full).sum(axis=-1)).astype(np.float32)


def random_thresholds(
    rng: np.random.Generator, rows: int, steps: int, low: int, high: int
) -> npt.NDArray[np.float32]:
    """Sorted thresholds, some outside [low, high] and some fractional."""
    values = rng.uniform(low - 3, high + 3, size=(rows, steps))
    values[:, ::3] = np.round(values[:, ::3])
    return np.sort(values, axis=1).astype(np.float32)


CASES = [
    # channels, PE, input, output, ActVal, vectors, per-channel thresholds
    (8, 1, "INT4", "UINT2", 0, (1, 6), True),
    (12, 4, "UINT8", "UINT4", 0, (1, 8), True),
    (16, 16, "INT8", "INT4", -8, (40,), True),
    (6, 3, "INT2", "BINARY", 0, (1, 3, 5), False),
]


@pytest.mark.parametrize(
    ("channels", "pe", "idt", "odt", "act_val", "vectors", "per_channel"), CASES
)
def test_thresholding_rtlsim_matches_reference(
    request: pytest.FixtureRequest,
    channels: int,
    pe: int,
    idt: str,
    odt: str,
    act_val: int,
    vectors: tuple[int, ...],
    per_channel: bool,
) -> None:
    simulator = simulator_or_skip()
    rng = np.random.default_rng(channels * 100 + pe)
    steps = int(DataType[odt].max()) - act_val if act_val else int(DataType[odt].max())
    dt = DataType[idt]
    thresholds = random_thresholds(
        rng, channels if per_channel else 1, steps, int(dt.min()), int(dt.max())
    )
    kernel = ThresholdingRtl(channels, pe, idt, odt, thresholds, act_val, vectors)
    x = random_values(rng, idt, (*vectors, channels))
    expected = reference(x, thresholds, act_val)
    cache = build_cache(request.config)

    stressed = rtlsim(
        kernel, x, stimulus=Stimulus(7, GAP, STALL), simulator=simulator, cache_dir=cache
    )
    np.testing.assert_array_equal(stressed.output, expected)

    free = rtlsim(kernel, x, simulator=simulator, cache_dir=cache)
    np.testing.assert_array_equal(free.output, expected)
    assert_cycles_near(free.cycles, kernel.expected_cycles)
    assert stressed.cycles > free.cycles


def test_thresholding_rejects_pe_that_does_not_divide_channels() -> None:
    with pytest.raises(ValueError, match=r"node thr0: PE=3 must divide NumChannels=8"):
        ThresholdingRtl(8, 3, "INT4", "UINT2", np.zeros((8, 3)), name="thr0")


def test_thresholding_rejects_outputs_that_do_not_fit() -> None:
    with pytest.raises(ValueError, match="does not fit outputDataType UINT2"):
        ThresholdingRtl(4, 2, "INT4", "UINT2", np.zeros((4, 4)), name="thr0")


def test_thresholding_rejects_wrong_threshold_shape() -> None:
    with pytest.raises(ValueError, match=r"thresholds must have shape \[4, steps\]"):
        ThresholdingRtl(4, 2, "INT4", "UINT2", np.zeros((3, 3)), name="thr0")


def test_thresholding_rejects_wrong_input_shape(request: pytest.FixtureRequest) -> None:
    kernel = ThresholdingRtl(4, 2, "INT4", "UINT2", np.zeros((4, 3)), name="thr0")
    with pytest.raises(ValueError, match=r"input shape \[1, 5\] differs from the expected"):
        kernel.input_words(np.zeros((1, 5)))
