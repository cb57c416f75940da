"""Thresholding cppsim == a numpy multi-threshold on random integer inputs."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from brainsmith_builtin.backends.hls.build import CppsimBuild
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.errors import HLSParameterError
from brainsmith_builtin.backends.hls.thresholding import ThresholdingParams, generate_thresholding
from conftest import Builder
from qonnx.core.datatype import DataType


def random_values(rng: np.random.Generator, datatype: str, shape: tuple[int, ...]) -> np.ndarray:
    if datatype == "BIPOLAR":
        return rng.choice([-1.0, 1.0], size=shape).astype(np.float32)
    dt = DataType[datatype]
    return rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)


def reference_thresholding(x: np.ndarray, p: ThresholdingParams) -> np.ndarray:
    """The contract: y = ActVal + #(x >= T[c, :]) per channel c (last axis)."""
    thresholds = np.broadcast_to(p.thresholds, (p.NumChannels, p.numSteps))
    return p.ActVal + (x[..., None] >= thresholds).sum(axis=-1)


@dataclass(frozen=True)
class Case:
    id: str
    channels: int
    pe: int
    steps: int
    x: str
    out: str
    act_val: int = 0
    vectors: tuple[int, ...] = (1, 2, 3)
    shared: bool = False
    spread: float = 1.0  # thresholds drawn from this multiple of the input range (>1: clipped)


CASES = [
    Case("int8-pe1-15steps", 6, 1, 15, "INT8", "UINT4"),
    Case("uint4-pe3-actval", 6, 3, 3, "UINT4", "INT2", act_val=-2),
    Case("int2-full-shared", 6, 6, 3, "INT2", "UINT2", shared=True, vectors=(4,)),
    Case("bipolar-pe2", 4, 2, 1, "BIPOLAR", "BINARY"),
    Case("int5-pe2-clipped-fractional", 8, 2, 7, "INT5", "INT4", act_val=-3, spread=1.5),
]


def make_params(case: Case, rng: np.random.Generator) -> ThresholdingParams:
    dt = DataType[case.x]
    rows = 1 if case.shared else case.channels
    half = (dt.max() - dt.min()) / 2 * case.spread
    middle = (dt.max() + dt.min()) / 2
    raw = rng.uniform(middle - half, middle + half, size=(rows, case.steps))
    thresholds = np.sort(raw if case.spread != 1.0 else np.round(raw), axis=1).astype(np.float32)
    return ThresholdingParams(
        name=f"Thresholding_{case.id}",
        NumChannels=case.channels,
        PE=case.pe,
        numSteps=case.steps,
        inputDataType=case.x,
        weightDataType="INT16",
        outputDataType=case.out,
        thresholds=thresholds,
        ActVal=case.act_val,
        numInputVectors=case.vectors,
    )


@pytest.fixture(scope="module")
def built(build_all: Builder) -> dict[str, tuple[ThresholdingParams, CppsimBuild]]:
    params = [make_params(case, np.random.default_rng(index)) for index, case in enumerate(CASES)]
    builds = build_all([generate_thresholding(p) for p in params])
    return {case.id: (p, b) for case, p, b in zip(CASES, params, builds, strict=True)}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cppsim_equals_numpy_thresholding(
    case: Case, built: dict[str, tuple[ThresholdingParams, CppsimBuild]]
) -> None:
    params, build = built[case.id]
    frames = 5
    shape = (frames * case.vectors[0], *case.vectors[1:], case.channels)
    x = random_values(np.random.default_rng(7), case.x, shape)
    (y,) = run_cppsim(build, [x])
    expected = reference_thresholding(x, params)
    assert y.shape == expected.shape == shape
    np.testing.assert_array_equal(y, expected)
    assert len(np.unique(y)) > 1
    assert build.kernel.expected_cycles == np.prod(case.vectors) * case.channels // case.pe


def test_wrong_threshold_count_names_node() -> None:
    params = make_params(CASES[0], np.random.default_rng(0))
    bad = ThresholdingParams(**{**params.__dict__, "numSteps": 14})
    with pytest.raises(
        HLSParameterError, match=r"Thresholding_int8-pe1-15steps.*\[6, 14\] or \[1, 14\]"
    ):
        generate_thresholding(bad)
