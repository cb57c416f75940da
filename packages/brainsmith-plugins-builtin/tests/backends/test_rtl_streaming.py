"""rtlsim of the RTL StreamingFIFO and StreamingDataWidthConverter: identity under random input
gaps and output back-pressure, one word per cycle without them."""

from __future__ import annotations

import numpy as np
import pytest
from brainsmith_builtin.backends.rtl.dwc import StreamingDataWidthConverterRtl
from brainsmith_builtin.backends.rtl.fifo import StreamingFifoRtl
from brainsmith_builtin.backends.rtl.kernel import rtlsim
from brainsmith_builtin.backends.rtl.rtlsim import Stimulus
from rtl_helpers import (
    GAP,
    STALL,
    assert_cycles_near,
    build_cache,
    random_values,
    simulator_or_skip,
)


@pytest.mark.parametrize(
    ("depth", "folded_shape", "datatype"),
    [
        (1, (1, 16, 1), "INT4"),
        (2, (1, 40, 2), "UINT8"),
        (7, (1, 64, 3), "INT3"),
        (32, (1, 50, 4), "BIPOLAR"),
    ],
)
def test_fifo_is_identity_under_backpressure(
    request: pytest.FixtureRequest, depth: int, folded_shape: tuple[int, ...], datatype: str
) -> None:
    simulator = simulator_or_skip()
    normal_shape = (1, folded_shape[1] * folded_shape[2])
    fifo = StreamingFifoRtl(depth, folded_shape, normal_shape, datatype)
    x = random_values(np.random.default_rng(depth), datatype, normal_shape)
    cache = build_cache(request.config)
    result = rtlsim(
        fifo, x, stimulus=Stimulus(depth, GAP, STALL), simulator=simulator, cache_dir=cache
    )
    np.testing.assert_array_equal(result.output, x)
    if depth >= 2:
        free = rtlsim(fifo, x, simulator=simulator, cache_dir=cache)
        np.testing.assert_array_equal(free.output, x)
        assert_cycles_near(free.cycles, fifo.expected_cycles)


@pytest.mark.parametrize(
    ("in_width", "out_width", "shape", "datatype"),
    [
        (8, 8, (1, 64), "INT4"),
        (4, 16, (1, 128), "UINT4"),
        (24, 6, (1, 96), "INT3"),
        (12, 8, (1, 96), "INT4"),
        (8, 12, (1, 96), "UINT4"),
        (2, 6, (1, 60), "BIPOLAR"),
    ],
)
def test_width_converter_is_identity_under_backpressure(
    request: pytest.FixtureRequest,
    in_width: int,
    out_width: int,
    shape: tuple[int, ...],
    datatype: str,
) -> None:
    simulator = simulator_or_skip()
    dwc = StreamingDataWidthConverterRtl(in_width, out_width, shape, datatype)
    x = random_values(np.random.default_rng(in_width * out_width), datatype, shape)
    cache = build_cache(request.config)
    result = rtlsim(
        dwc, x, stimulus=Stimulus(out_width, GAP, STALL), simulator=simulator, cache_dir=cache
    )
    np.testing.assert_array_equal(result.output, x)
    free = rtlsim(dwc, x, simulator=simulator, cache_dir=cache)
    np.testing.assert_array_equal(free.output, x)
    assert_cycles_near(free.cycles, dwc.expected_cycles)


def test_width_converter_rejects_widths_that_split_elements() -> None:
    with pytest.raises(ValueError, match="outWidth=6 is not a multiple of the 4-bit"):
        StreamingDataWidthConverterRtl(8, 6, (1, 12), "INT4", name="dwc0")


def test_width_converter_rejects_tensors_the_words_do_not_tile() -> None:
    with pytest.raises(ValueError, match=r"lcm\(inWidth, outWidth\) = 24"):
        StreamingDataWidthConverterRtl(8, 12, (1, 9), "INT4", name="dwc0")


def test_fifo_rejects_mismatched_shapes() -> None:
    with pytest.raises(ValueError, match="node fifo0: folded_shape"):
        StreamingFifoRtl(4, (1, 3, 2), (1, 8), "INT4", name="fifo0")
