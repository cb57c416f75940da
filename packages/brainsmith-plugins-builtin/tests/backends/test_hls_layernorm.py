"""LayerNorm cppsim == numpy (x - mean) / sqrt(var + eps) within float32 rounding."""

from __future__ import annotations

import numpy as np
import pytest
from brainsmith_builtin.backends.hls.build import CppsimBuild
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.errors import HLSParameterError
from brainsmith_builtin.backends.hls.layernorm import LayerNormParams, generate_layernorm
from conftest import Builder

CASES = {
    "float-simd1": LayerNormParams("ln_a", 1, 12, 1e-5, "FLOAT32", numInputVectors=(1, 3)),
    "float-simd4": LayerNormParams("ln_b", 4, 12, 1e-3, "FLOAT32", numInputVectors=(5,)),
    "int8-full": LayerNormParams("ln_c", 16, 16, 1e-5, "INT8", numInputVectors=(4,)),
}


def reference_layernorm(x: np.ndarray, epsilon: float) -> np.ndarray:
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=-1, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=-1, keepdims=True)
    return (x64 - mean) / np.sqrt(var + epsilon)


@pytest.fixture(scope="module")
def built(build_all: Builder) -> dict[str, CppsimBuild]:
    builds = build_all([generate_layernorm(p) for p in CASES.values()])
    return dict(zip(CASES, builds, strict=True))


@pytest.mark.parametrize("case", list(CASES))
def test_cppsim_equals_numpy_layernorm(case: str, built: dict[str, CppsimBuild]) -> None:
    p = CASES[case]
    rng = np.random.default_rng(11)
    shape = (2 * p.numInputVectors[0], *p.numInputVectors[1:], p.NumChannels)
    if p.inputDataType == "FLOAT32":
        x = (rng.standard_normal(shape) * 3 + 1.5).astype(np.float32)
    else:
        x = rng.integers(-128, 128, size=shape).astype(np.float32)
    (y,) = run_cppsim(built[case], [x])
    assert y.dtype == np.float32 and y.shape == x.shape
    np.testing.assert_allclose(y, reference_layernorm(x, p.epsilon), rtol=1e-5, atol=2e-5)


def test_integer_output_is_refused() -> None:
    with pytest.raises(HLSParameterError, match=r"'ln_bad'.*'outputDataType'.*FLOAT32"):
        generate_layernorm(LayerNormParams("ln_bad", 1, 4, 1e-5, "FLOAT32", "INT8"))
