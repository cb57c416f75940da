"""AddStreams cppsim == numpy a + b over datatypes and foldings."""

from __future__ import annotations

import numpy as np
import pytest
from brainsmith_builtin.backends.hls.add_streams import AddStreamsParams, generate_add_streams
from brainsmith_builtin.backends.hls.build import CppsimBuild
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.errors import HLSParameterError
from conftest import Builder
from qonnx.core.datatype import DataType

CASES = {
    "int4+int4-pe1": AddStreamsParams("add_a", 6, 1, ("INT4", "INT4"), "INT5", (1, 2, 2)),
    "uint3+int2-pe3": AddStreamsParams("add_b", 6, 3, ("UINT3", "INT2"), "INT5", (4,)),
    "int8+bipolar-full": AddStreamsParams("add_c", 4, 4, ("INT8", "BIPOLAR"), "INT9", (3,)),
}


def random_values(rng: np.random.Generator, name: str, shape: tuple[int, ...]) -> np.ndarray:
    if name == "BIPOLAR":
        return rng.choice([-1.0, 1.0], size=shape).astype(np.float32)
    dt = DataType[name]
    return rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)


@pytest.fixture(scope="module")
def built(build_all: Builder) -> dict[str, CppsimBuild]:
    builds = build_all([generate_add_streams(p) for p in CASES.values()])
    return dict(zip(CASES, builds, strict=True))


@pytest.mark.parametrize("case", list(CASES))
def test_cppsim_equals_numpy_sum(case: str, built: dict[str, CppsimBuild]) -> None:
    p = CASES[case]
    rng = np.random.default_rng(9)
    shape = (2 * p.numInputVectors[0], *p.numInputVectors[1:], p.NumChannels)
    a = random_values(rng, p.inputDataTypes[0], shape)
    b = random_values(rng, p.inputDataTypes[1], shape)
    (y,) = run_cppsim(built[case], [a, b])
    np.testing.assert_array_equal(y, a + b)


def test_narrow_output_is_refused() -> None:
    with pytest.raises(HLSParameterError, match=r"'add_bad'.*\[-16, 14\].*INT4"):
        generate_add_streams(AddStreamsParams("add_bad", 2, 1, ("INT4", "INT4"), "INT4"))
