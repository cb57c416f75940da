"""ConvolutionInputGenerator cppsim == a numpy im2col with (kh, kw, C) channel order."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from brainsmith_builtin.backends.hls.build import CppsimBuild
from brainsmith_builtin.backends.hls.convolution_input_generator import (
    ConvolutionInputGeneratorParams,
    generate_convolution_input_generator,
)
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.errors import HLSParameterError
from conftest import Builder
from qonnx.core.datatype import DataType


def reference_im2col(x: np.ndarray, p: ConvolutionInputGeneratorParams) -> np.ndarray:
    """y[n, oy, ox, (ky*KW + kx)*C + c] = x[n, oy*SH + ky*DH, ox*SW + kx*DW, c]."""
    (kh, kw), (sh, sw), (dh, dw), (oh, ow) = p.ConvKernelDim, p.Stride, p.Dilation, p.OFMDim
    windows = [
        x[
            :,
            ky * dh : ky * dh + (oh - 1) * sh + 1 : sh,
            kx * dw : kx * dw + (ow - 1) * sw + 1 : sw,
            :,
        ]
        for ky in range(kh)
        for kx in range(kw)
    ]
    return np.concatenate(windows, axis=-1)


def params(
    name: str,
    k: tuple[int, int],
    img: tuple[int, int],
    channels: int,
    simd: int,
    stride: tuple[int, int] = (1, 1),
    dilation: tuple[int, int] = (1, 1),
    dtype: str = "INT4",
) -> ConvolutionInputGeneratorParams:
    out = tuple((img[i] - ((k[i] - 1) * dilation[i] + 1)) // stride[i] + 1 for i in range(2))
    return ConvolutionInputGeneratorParams(
        name=name,
        ConvKernelDim=k,
        IFMChannels=channels,
        IFMDim=img,
        OFMDim=out,  # type: ignore[arg-type]
        SIMD=simd,
        Stride=stride,
        Dilation=dilation,
        inputDataType=dtype,
        outputDataType=dtype,
    )


CASES = {
    "k3-simd1": params("swg_k3_simd1", (3, 3), (5, 5), 4, 1),
    "k3-stride2-simd2-uint8": params("swg_s2", (3, 3), (7, 6), 4, 2, stride=(2, 2), dtype="UINT8"),
    "k2x3-dilation2-full-bipolar": params(
        "swg_dil", (2, 3), (6, 7), 3, 3, dilation=(2, 2), dtype="BIPOLAR"
    ),
    "k1x1-stride3-leftover-rows": params(
        "swg_1x1", (1, 1), (7, 5), 2, 1, stride=(3, 2), dtype="INT2"
    ),
}


@pytest.fixture(scope="module")
def built(build_all: Builder) -> dict[str, CppsimBuild]:
    builds = build_all([generate_convolution_input_generator(p) for p in CASES.values()])
    return dict(zip(CASES, builds, strict=True))


@pytest.mark.parametrize("case", list(CASES))
def test_cppsim_equals_numpy_im2col(case: str, built: dict[str, CppsimBuild]) -> None:
    p = CASES[case]
    rng = np.random.default_rng(3)
    shape = (3, *p.IFMDim, p.IFMChannels)  # three frames
    if p.inputDataType == "BIPOLAR":
        x = rng.choice([-1.0, 1.0], size=shape).astype(np.float32)
    else:
        dt = DataType[p.inputDataType]
        x = rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)
    (y,) = run_cppsim(built[case], [x])
    np.testing.assert_array_equal(y, reference_im2col(x, p))


def test_inconsistent_ofmdim_names_the_fix() -> None:
    good = CASES["k3-simd1"]
    with pytest.raises(HLSParameterError, match=r"'swg_k3_simd1'.*'OFMDim'.*\[3, 3\]"):
        generate_convolution_input_generator(replace(good, OFMDim=(4, 4)))
