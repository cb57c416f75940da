"""MVAU cppsim == a numpy MVAU on random integer inputs, over datatypes and foldings."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pytest
from brainsmith_builtin.backends.hls.build import CppsimBuild
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.errors import HLSParameterError
from brainsmith_builtin.backends.hls.mvau import MVAUParams, generate_mvau
from conftest import Builder
from qonnx.core.datatype import DataType


def random_values(rng: np.random.Generator, datatype: str, shape: tuple[int, ...]) -> np.ndarray:
    dt = DataType[datatype]
    if datatype == "BIPOLAR":
        return rng.choice([-1.0, 1.0], size=shape).astype(np.float32)
    return rng.integers(int(dt.min()), int(dt.max()) + 1, size=shape).astype(np.float32)


def reference_mvau(x: np.ndarray, p: MVAUParams) -> np.ndarray:
    """The contract's MVAU: acc = x @ W; y = acc, or ActVal + #(acc >= T[c, :])."""
    acc = x.astype(np.float64) @ np.asarray(p.weights, dtype=np.float64)
    if p.noActivation:
        return acc
    assert p.thresholds is not None
    thresholds = np.broadcast_to(p.thresholds, (p.MH, p.thresholds.shape[1]))
    return p.ActVal + (acc[..., None] >= thresholds).sum(axis=-1)


@dataclass(frozen=True)
class Case:
    id: str
    mw: int
    mh: int
    simd: int
    pe: int
    x: str
    w: str
    out: str
    acc: str
    steps: int  # 0: noActivation
    act_val: int = 0
    vectors: tuple[int, ...] = (3,)
    shared_thresholds: bool = False
    fractional_thresholds: bool = False


CASES = [
    Case("int2xint2-pe1-simd1", 8, 6, 1, 1, "INT2", "INT2", "UINT2", "INT8", 3),
    Case("uint4xint4-pe3-simd4", 8, 6, 4, 3, "UINT4", "INT4", "INT3", "INT16", 7, act_val=-4),
    Case(
        "int8xuint3-full-noact", 8, 6, 8, 6, "INT8", "UINT3", "INT16", "INT16", 0, vectors=(1, 2, 2)
    ),
    Case("bipolar-bipolar-pe2-simd2", 8, 6, 2, 2, "BIPOLAR", "BIPOLAR", "BINARY", "INT8", 1),
    Case("int4xbipolar-pe6-simd1-noact", 8, 6, 1, 6, "INT4", "BIPOLAR", "INT8", "INT8", 0),
    Case(
        "bipolarxint4-simd8-shared-T",
        8,
        6,
        8,
        1,
        "BIPOLAR",
        "INT4",
        "UINT2",
        "INT8",
        3,
        shared_thresholds=True,
    ),
    Case("wide-80bit-words", 40, 4, 20, 4, "INT4", "INT4", "UINT4", "INT16", 15),
    Case(
        "fractional-thresholds",
        12,
        4,
        3,
        2,
        "UINT2",
        "INT3",
        "UINT3",
        "INT12",
        7,
        fractional_thresholds=True,
    ),
]


def make_params(case: Case, rng: np.random.Generator) -> MVAUParams:
    weights = random_values(rng, case.w, (case.mw, case.mh))
    thresholds = None
    if case.steps:
        acc = np.abs(weights).sum(axis=0).max() * max(
            abs(DataType[case.x].min()), DataType[case.x].max()
        )
        rows = 1 if case.shared_thresholds else case.mh
        raw = rng.uniform(-acc / 2, acc / 2, size=(rows, case.steps))
        raw = raw if case.fractional_thresholds else np.round(raw)
        thresholds = np.sort(raw, axis=1).astype(np.float32)
    return MVAUParams(
        name=f"MVAU_{case.id}",
        MW=case.mw,
        MH=case.mh,
        SIMD=case.simd,
        PE=case.pe,
        inputDataType=case.x,
        weightDataType=case.w,
        outputDataType=case.out,
        accDataType=case.acc,
        weights=weights,
        thresholds=thresholds,
        noActivation=0 if case.steps else 1,
        ActVal=case.act_val,
        numInputVectors=case.vectors,
    )


@pytest.fixture(scope="module")
def built(build_all: Builder) -> dict[str, tuple[MVAUParams, CppsimBuild]]:
    params = [make_params(case, np.random.default_rng(index)) for index, case in enumerate(CASES)]
    builds = build_all([generate_mvau(p) for p in params])
    return {case.id: (p, b) for case, p, b in zip(CASES, params, builds, strict=True)}


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_cppsim_equals_numpy_mvau(
    case: Case, built: dict[str, tuple[MVAUParams, CppsimBuild]]
) -> None:
    params, build = built[case.id]
    rng = np.random.default_rng(100)
    frames = 4
    x = random_values(rng, case.x, (frames * case.vectors[0], *case.vectors[1:], case.mw))
    (y,) = run_cppsim(build, [x])
    expected = reference_mvau(x, params)
    assert y.shape == expected.shape == (frames * case.vectors[0], *case.vectors[1:], case.mh)
    np.testing.assert_array_equal(y, expected)
    if case.steps:  # the thresholds must make the test meaningful: several output levels occur
        assert len(np.unique(y)) > 1
    assert build.kernel.expected_cycles == np.prod(case.vectors) * (case.mh // case.pe) * (
        case.mw // case.simd
    )


def test_generated_code_follows_the_folding() -> None:
    case = CASES[1]
    kernel = generate_mvau(make_params(case, np.random.default_rng(0)))
    assert f"_weights[{case.pe}][{(case.mh // case.pe) * (case.mw // case.simd)}]" in kernel.source
    assert f"ap_uint<{case.simd * 4}>" in kernel.source  # SIMD packed 4-bit weights per word
    for pragma in ("INTERFACE axis port=in0", "PIPELINE II=1", "ARRAY_PARTITION", "UNROLL"):
        assert f"#pragma HLS {pragma}" in kernel.source
    assert kernel.inputs[0].width == case.simd * 4 and kernel.outputs[0].width == case.pe * 3


def base_params(**changes: object) -> MVAUParams:
    fields: dict[str, object] = {
        "name": "MVAU_bad",
        "MW": 8,
        "MH": 6,
        "SIMD": 4,
        "PE": 3,
        "inputDataType": "INT4",
        "weightDataType": "INT4",
        "outputDataType": "INT16",
        "accDataType": "INT16",
        "weights": np.ones((8, 6), np.float32),
        "noActivation": 1,
    }
    fields.update(changes)
    return MVAUParams(**fields)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"SIMD": 3}, ["'SIMD'", "does not divide MW=8", "[1, 2, 4, 8]"]),
        ({"PE": 4}, ["'PE'", "MH=6"]),
        ({"accDataType": "INT6"}, ["'accDataType'", "[-64, 56]", "INT6"]),
        ({"outputDataType": "INT4"}, ["'outputDataType'", "noActivation=1"]),
        ({"weights": np.full((8, 6), 9, np.float32)}, ["input 'W'", "not a INT4 value"]),
        ({"weights": np.ones((6, 8), np.float32)}, ["[MW, MH] = [8, 6]"]),
        ({"inputDataType": "FLOAT32"}, ["'inputDataType'", "integer"]),
        ({"inputDataType": "INT99X"}, ["not a qonnx datatype"]),
        ({"noActivation": 0}, ["no thresholds"]),
        (
            {"noActivation": 0, "outputDataType": "UINT1", "thresholds": np.zeros((6, 3))},
            ["[0, 3]", "BINARY"],
        ),
        (
            {"noActivation": 0, "outputDataType": "UINT2", "thresholds": np.zeros((5, 3))},
            ["[6, 3] or [1, 3]"],
        ),
    ],
)
def test_bad_parameters_name_node_and_attribute(
    changes: dict[str, object], words: list[str]
) -> None:
    with pytest.raises(HLSParameterError) as caught:
        generate_mvau(base_params(**changes))
    message = str(caught.value)
    assert "'MVAU_bad'" in message and "fix:" in message
    for word in words:
        assert word in message
