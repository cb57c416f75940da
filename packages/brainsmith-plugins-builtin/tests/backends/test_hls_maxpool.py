"""StreamingMaxPool cppsim == a numpy NHWC max pool (kernel == stride, floor mode)."""

from __future__ import annotations

import numpy as np
import pytest
from brainsmith_builtin.backends.hls.build import CppsimBuild
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.errors import HLSParameterError
from brainsmith_builtin.backends.hls.streaming_maxpool import (
    StreamingMaxPoolParams,
    generate_streaming_maxpool,
)
from conftest import Builder
from qonnx.core.datatype import DataType


def reference_maxpool(x: np.ndarray, p: StreamingMaxPoolParams) -> np.ndarray:
    (kh, kw), (h, w) = p.PoolDim, p.ImgDim
    oh, ow = h // kh, w // kw
    n, c = x.shape[0], x.shape[-1]
    windows = x[:, : oh * kh, : ow * kw, :].reshape(n, oh, kh, ow, kw, c)
    return windows.max(axis=(2, 4))


CASES = {
    "2x2-pe1-int4": StreamingMaxPoolParams("pool_a", (2, 2), 4, (4, 6), 1, "INT4"),
    "3x2-pe2-uint3-leftover": StreamingMaxPoolParams("pool_b", (3, 2), 6, (7, 5), 2, "UINT3"),
    "2x2-full-bipolar": StreamingMaxPoolParams("pool_c", (2, 2), 3, (4, 4), 3, "BIPOLAR"),
}


@pytest.fixture(scope="module")
def built(build_all: Builder) -> dict[str, CppsimBuild]:
    builds = build_all([generate_streaming_maxpool(p) for p in CASES.values()])
    return dict(zip(CASES, builds, strict=True))


@pytest.mark.parametrize("case", list(CASES))
def test_cppsim_equals_numpy_maxpool(case: str, built: dict[str, CppsimBuild]) -> None:
    p = CASES[case]
    rng = np.random.default_rng(5)
    shape = (2, *p.ImgDim, p.NumChannels)
    if p.dataType == "BIPOLAR":
        x = rng.choice([-1.0, 1.0], size=shape).astype(np.float32)
    else:
        dt = DataType[p.dataType]
        x = rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)
    (y,) = run_cppsim(built[case], [x])
    np.testing.assert_array_equal(y, reference_maxpool(x, p))
    assert built[case].kernel.expected_cycles == p.ImgDim[0] * p.ImgDim[1] * p.NumChannels // p.PE


def test_pool_larger_than_image_is_refused() -> None:
    with pytest.raises(HLSParameterError, match=r"'PoolDim'.*larger than the image"):
        generate_streaming_maxpool(StreamingMaxPoolParams("pool_bad", (5, 2), 2, (4, 4), 1, "INT4"))
