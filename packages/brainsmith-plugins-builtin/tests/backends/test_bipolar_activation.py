"""Bipolar activations (outputDataType=BIPOLAR: y = 2 * count - 1, one threshold per channel) in
the MVAU and Thresholding engines: cppsim and rtlsim equal the kernels' golden models bit for bit,
and the outputs stream as one bit per element (+1 -> 1, -1 -> 0)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pytest
from brainsmith_builtin.backends.hls.cppsim import run_cppsim
from brainsmith_builtin.backends.hls.errors import HLSParameterError
from brainsmith_builtin.backends.hls.mvau import MVAUParams, generate_mvau
from brainsmith_builtin.backends.hls.thresholding import ThresholdingParams, generate_thresholding
from brainsmith_builtin.backends.rtl.kernel import rtlsim
from brainsmith_builtin.backends.rtl.mvau import MvauRtl
from brainsmith_builtin.backends.rtl.rtlsim import Stimulus
from brainsmith_builtin.backends.rtl.thresholding import ThresholdingRtl
from brainsmith_builtin.kernels.registration import install_builtin_kernels
from conftest import Builder
from onnx import TensorProto, helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.util.basic import qonnx_make_model
from rtl_helpers import GAP, STALL, build_cache, random_values, simulator_or_skip

BUILTIN = "brainsmith.builtin"


@dataclass(frozen=True)
class MvauCase:
    id: str
    mw: int
    mh: int
    simd: int
    pe: int
    x: str
    w: str
    vectors: tuple[int, ...]


MVAU_CASES = [
    MvauCase("xnor-pe1-simd1", 16, 4, 1, 1, "BIPOLAR", "BIPOLAR", (3,)),
    MvauCase("xnor-pe4-simd8", 16, 8, 8, 4, "BIPOLAR", "BIPOLAR", (1, 2, 2)),
    MvauCase("int4-bipolar-w-pe3-simd2", 6, 6, 2, 3, "INT4", "BIPOLAR", (5,)),
    MvauCase("uint2-int3-full", 8, 4, 8, 4, "UINT2", "INT3", (4,)),
]


@dataclass(frozen=True)
class ThresholdingCase:
    id: str
    channels: int
    pe: int
    x: str
    vectors: tuple[int, ...]
    shared: bool = False


THRESHOLDING_CASES = [
    ThresholdingCase("int8-pe1", 6, 1, "INT8", (4,)),
    ThresholdingCase("uint4-pe3", 6, 3, "UINT4", (1, 2, 3)),
    ThresholdingCase("int3-full-shared", 4, 4, "INT3", (8,), shared=True),
]


def golden(node: Any, x: np.ndarray, initializers: dict[str, np.ndarray]) -> np.ndarray:
    """Execute one kernel node's python golden model on ``x`` (leading axis: frames)."""
    install_builtin_kernels()
    shape = list(x.shape)
    graph = helper.make_graph(
        [node],
        "golden",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)],
    )
    model = ModelWrapper(qonnx_make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    for name, value in initializers.items():
        model.set_initializer(name, value.astype(np.float32))
    y: np.ndarray = execute_onnx(model, {"x": x})["y"]
    return y


def mvau_setup(case: MvauCase) -> tuple[np.ndarray, np.ndarray, np.ndarray, Any]:
    rng = np.random.default_rng(case.mw * 100 + case.mh * 10 + case.pe)
    w = random_values(rng, case.w, (case.mw, case.mh))
    x = random_values(rng, case.x, (*case.vectors, case.mw))
    # thresholds around the middle of each column's accumulator values: both signs occur
    acc = np.einsum("...k,kn->...n", x, w).reshape(-1, case.mh)
    t = np.round(np.median(acc, axis=0))[:, None].astype(np.float32)
    node = helper.make_node(
        "MVAU",
        ["x", "W", "T"],
        ["y"],
        domain=BUILTIN,
        name=f"MVAU_{case.id}",
        MW=case.mw,
        MH=case.mh,
        SIMD=case.simd,
        PE=case.pe,
        inputDataType=case.x,
        weightDataType=case.w,
        outputDataType="BIPOLAR",
        accDataType="INT16",
        noActivation=0,
        ActVal=0,
        numInputVectors=list(case.vectors),
    )
    return x, w, t, node


def mvau_params(case: MvauCase, w: np.ndarray, t: np.ndarray) -> MVAUParams:
    return MVAUParams(
        name=f"MVAU_{case.id}",
        MW=case.mw,
        MH=case.mh,
        SIMD=case.simd,
        PE=case.pe,
        inputDataType=case.x,
        weightDataType=case.w,
        outputDataType="BIPOLAR",
        accDataType="INT16",
        weights=w,
        thresholds=t,
        noActivation=0,
        numInputVectors=case.vectors,
    )


def mvau_rtl(case: MvauCase, w: np.ndarray, t: np.ndarray) -> MvauRtl:
    return MvauRtl(
        case.mw,
        case.mh,
        case.simd,
        case.pe,
        case.x,
        case.w,
        "BIPOLAR",
        "INT16",
        w,
        t,
        no_activation=False,
        num_input_vectors=case.vectors,
        name=f"MVAU_{case.id}",
    )


def thresholding_setup(case: ThresholdingCase) -> tuple[np.ndarray, np.ndarray, Any]:
    rng = np.random.default_rng(case.channels * 10 + case.pe)
    dt = DataType[case.x]
    x = random_values(rng, case.x, (*case.vectors, case.channels))
    rows = 1 if case.shared else case.channels
    t = rng.integers(int(dt.min()) + 1, int(dt.max()), size=(rows, 1)).astype(np.float32)
    node = helper.make_node(
        "Thresholding",
        ["x", "T"],
        ["y"],
        domain=BUILTIN,
        name=f"Thresholding_{case.id}",
        NumChannels=case.channels,
        PE=case.pe,
        numSteps=1,
        inputDataType=case.x,
        weightDataType="INT16",
        outputDataType="BIPOLAR",
        numInputVectors=list(case.vectors),
    )
    return x, t, node


def check_bipolar(expected: np.ndarray) -> None:
    assert set(np.unique(expected)) == {-1.0, 1.0}, "both signs must occur to prove anything"


@pytest.mark.parametrize("case", MVAU_CASES, ids=lambda c: c.id)
def test_mvau_bipolar_cppsim_equals_golden(case: MvauCase, build_all: Builder) -> None:
    x, w, t, node = mvau_setup(case)
    expected = golden(node, x, {"W": w, "T": t})
    check_bipolar(expected)
    kernel = generate_mvau(mvau_params(case, w, t))
    assert kernel.outputs[0].width == case.pe  # one bit per bipolar element
    (build,) = build_all([kernel])
    (y,) = run_cppsim(build, [x])
    np.testing.assert_array_equal(y, expected)


@pytest.mark.parametrize("case", MVAU_CASES, ids=lambda c: c.id)
def test_mvau_bipolar_rtlsim_equals_golden(request: pytest.FixtureRequest, case: MvauCase) -> None:
    simulator = simulator_or_skip()
    x, w, t, node = mvau_setup(case)
    expected = golden(node, x, {"W": w, "T": t})
    check_bipolar(expected)
    kernel = mvau_rtl(case, w, t)
    assert kernel.design().out_width == case.pe
    result = rtlsim(
        kernel,
        x,
        stimulus=Stimulus(5, GAP, STALL),
        simulator=simulator,
        cache_dir=build_cache(request.config),
    )
    np.testing.assert_array_equal(result.output, expected)


@pytest.mark.parametrize("case", THRESHOLDING_CASES, ids=lambda c: c.id)
def test_thresholding_bipolar_cppsim_and_rtlsim_equal_golden(
    request: pytest.FixtureRequest, case: ThresholdingCase, build_all: Builder
) -> None:
    x, t, node = thresholding_setup(case)
    expected = golden(node, x, {"T": t})
    check_bipolar(expected)
    params = ThresholdingParams(
        name=f"Thresholding_{case.id}",
        NumChannels=case.channels,
        PE=case.pe,
        numSteps=1,
        inputDataType=case.x,
        weightDataType="INT16",
        outputDataType="BIPOLAR",
        thresholds=t,
        numInputVectors=case.vectors,
    )
    (build,) = build_all([generate_thresholding(params)])
    (y,) = run_cppsim(build, [x])
    np.testing.assert_array_equal(y, expected)

    simulator = simulator_or_skip()
    kernel = ThresholdingRtl(
        case.channels,
        case.pe,
        case.x,
        "BIPOLAR",
        t,
        num_input_vectors=case.vectors,
        name=f"Thresholding_{case.id}",
    )
    result = rtlsim(
        kernel,
        x,
        stimulus=Stimulus(3, GAP, STALL),
        simulator=simulator,
        cache_dir=build_cache(request.config),
    )
    np.testing.assert_array_equal(result.output, expected)


def test_bipolar_output_with_several_thresholds_is_refused_by_both_engines() -> None:
    t = np.zeros((4, 2), dtype=np.float32)
    params = ThresholdingParams(
        name="th_bad",
        NumChannels=4,
        PE=1,
        numSteps=2,
        inputDataType="INT4",
        weightDataType="INT4",
        outputDataType="BIPOLAR",
        thresholds=t,
    )
    with pytest.raises(HLSParameterError, match=r"th_bad.*exactly one threshold per channel"):
        generate_thresholding(params)
    with pytest.raises(ValueError, match=r"node th_bad: .*BIPOLAR .* exactly one threshold"):
        ThresholdingRtl(4, 1, "INT4", "BIPOLAR", t, name="th_bad")
