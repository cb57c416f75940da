"""The kernel conformance suite over every builtin kernel and backend: python == cppsim == rtlsim
on random integer inputs over datatypes and foldings (PE=SIMD=1, a middle one, fully parallel),
rtlsim under back-pressure, rtlsim cycles within 15% of get_exp_cycles().

Shapes are small but give every fully parallel frame at least ~64 cycles, so the RTL pipeline
latency stays inside the 15% cycle bound. cppsim builds are cached by digest."""

from __future__ import annotations

import shutil
import sys
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.testing import ConformanceError, check_kernel
from brainsmith_builtin.kernels.registration import install_builtin_kernels
from onnx import helper
from qonnx.core.datatype import DataType

sys.path.insert(0, str(Path(__file__).parents[1] / "hardware"))
from hw_graphs import BUILTIN, make_model, random_of

Folding = Mapping[str, int]


@pytest.fixture(autouse=True, scope="module")
def _prerequisites() -> None:
    install_builtin_kernels()
    if not (shutil.which("iverilog") or shutil.which("verilator")):
        pytest.skip("no Verilog simulator (scripts/install-simulators.sh installs one)")


def _thresholds(rng: np.random.Generator, rows: int, steps: int, low: int, high: int) -> Any:
    return np.sort(rng.integers(low, high + 1, (rows, steps)), axis=1).astype(np.float32)


def mvau_model(no_activation: bool) -> Any:
    def factory(idt: str, folding: Folding, rng: np.random.Generator) -> Any:
        mw, mh, vecs = 8, 4, [1, 64]
        w = random_of("INT3", (mw, mh), rng)
        dt = DataType[idt]
        bound = mw * 4 * max(abs(int(dt.min())), int(dt.max()))
        inputs, initializers = ["x", "W"], {"W": (w, "INT3")}
        if not no_activation:
            inputs.append("T")
            initializers["T"] = (_thresholds(rng, mh, 3, -bound // 2, bound // 2), None)
        node = helper.make_node(
            "MVAU",
            inputs,
            ["y"],
            domain=BUILTIN,
            name="mvau",
            MW=mw,
            MH=mh,
            SIMD=folding.get("SIMD", 1),
            PE=folding.get("PE", 1),
            inputDataType=idt,
            weightDataType="INT3",
            outputDataType="INT12" if no_activation else "UINT2",
            accDataType="INT12",
            noActivation=int(no_activation),
            numInputVectors=vecs,
        )
        return make_model([node], {"x": ((*vecs, mw), idt)}, {"y": (*vecs, mh)}, initializers)

    return factory


def thresholding_model(idt: str, folding: Folding, rng: np.random.Generator) -> Any:
    channels, vecs = 8, [1, 64]
    dt = DataType[idt]
    t = _thresholds(rng, channels, 3, int(dt.min()), int(dt.max()))
    node = helper.make_node(
        "Thresholding",
        ["x", "T"],
        ["y"],
        domain=BUILTIN,
        name="thresholding",
        NumChannels=channels,
        PE=folding.get("PE", 1),
        numSteps=3,
        inputDataType=idt,
        weightDataType=idt,
        outputDataType="UINT2",
        ActVal=0,
        numInputVectors=vecs,
    )
    return make_model(
        [node], {"x": ((*vecs, channels), idt)}, {"y": (*vecs, channels)}, {"T": (t, None)}
    )


def sliding_window_model(idt: str, folding: Folding, rng: np.random.Generator) -> Any:
    node = helper.make_node(
        "ConvolutionInputGenerator",
        ["x"],
        ["y"],
        domain=BUILTIN,
        name="swg",
        ConvKernelDim=[3, 3],
        IFMChannels=4,
        IFMDim=[6, 6],
        OFMDim=[4, 4],
        SIMD=folding.get("SIMD", 1),
        Stride=[1, 1],
        Dilation=[1, 1],
        inputDataType=idt,
        outputDataType=idt,
    )
    return make_model([node], {"x": ((1, 6, 6, 4), idt)}, {"y": (1, 4, 4, 36)})


def maxpool_model(idt: str, folding: Folding, rng: np.random.Generator) -> Any:
    node = helper.make_node(
        "StreamingMaxPool",
        ["x"],
        ["y"],
        domain=BUILTIN,
        name="maxpool",
        PoolDim=[2, 2],
        NumChannels=4,
        ImgDim=[4, 6],
        PE=folding.get("PE", 1),
        dataType=idt,
    )
    return make_model([node], {"x": ((1, 4, 6, 4), idt)}, {"y": (1, 2, 3, 4)})


def add_streams_model(idt: str, folding: Folding, rng: np.random.Generator) -> Any:
    dt = DataType[idt]  # the sum of two needs one more bit
    odt = f"{'INT' if dt.signed() else 'UINT'}{dt.bitwidth() + 1}"
    node = helper.make_node(
        "AddStreams",
        ["a", "b"],
        ["y"],
        domain=BUILTIN,
        name="add",
        NumChannels=8,
        PE=folding.get("PE", 1),
        inputDataTypes=[idt, idt],
        outputDataType=odt,
        numInputVectors=[1, 4],
    )
    return make_model([node], {"a": ((1, 4, 8), idt), "b": ((1, 4, 8), idt)}, {"y": (1, 4, 8)})


def layernorm_model(idt: str, folding: Folding, rng: np.random.Generator) -> Any:
    node = helper.make_node(
        "LayerNorm",
        ["x"],
        ["y"],
        domain=BUILTIN,
        name="layernorm",
        SIMD=folding.get("SIMD", 1),
        NumChannels=8,
        epsilon=1e-5,
        inputDataType=idt,
        outputDataType="FLOAT32",
        numInputVectors=[1, 3],
    )
    return make_model([node], {"x": ((1, 3, 8), idt)}, {"y": (1, 3, 8)})


def fifo_model(idt: str, folding: Folding, rng: np.random.Generator) -> Any:
    node = helper.make_node(
        "StreamingFIFO",
        ["x"],
        ["y"],
        domain=BUILTIN,
        name="fifo",
        depth=folding.get("depth", 2),
        folded_shape=[1, 64, 2, 4],
        normal_shape=[1, 64, 8],
        dataType=idt,
    )
    return make_model([node], {"x": ((1, 64, 8), idt)}, {"y": (1, 64, 8)})


def dwc_model(idt: str, folding: Folding, rng: np.random.Generator) -> Any:
    bits = DataType[idt].bitwidth()
    node = helper.make_node(
        "StreamingDataWidthConverter",
        ["x"],
        ["y"],
        domain=BUILTIN,
        name="dwc",
        inWidth=folding.get("inWidth", bits),
        outWidth=folding.get("outWidth", bits),
        shape=[1, 16, 8],
        dataType=idt,
    )
    return make_model([node], {"x": ((1, 16, 8), idt)}, {"y": (1, 16, 8)})


def _backends(report: Any) -> set[str]:
    return {case.backend for case in report.cases}


def test_mvau_with_thresholds_conforms() -> None:
    report = check_kernel(mvau_model(False), datatypes=["INT4", "UINT3", "BIPOLAR"])
    assert _backends(report) == {"MVAU_hls", "MVAU_rtl"}
    foldings = {tuple(sorted(c.folding.items())) for c in report.cases}
    assert {(("PE", 1), ("SIMD", 1)), (("PE", 4), ("SIMD", 8))} <= foldings
    assert len(report.cases) == 3 * 3 * 2


def test_mvau_without_activation_conforms() -> None:
    report = check_kernel(mvau_model(True), datatypes=["INT2"])
    assert all(c.cycles is not None for c in report.cases if c.mode == "rtlsim")


def test_thresholding_conforms() -> None:
    report = check_kernel(thresholding_model, datatypes=["INT4", "UINT5"])
    assert _backends(report) == {"Thresholding_hls", "Thresholding_rtl"}


@pytest.mark.parametrize(
    ("factory", "datatypes"),
    [
        (sliding_window_model, ["INT4", "UINT2"]),
        (maxpool_model, ["INT4", "UINT3"]),
        (add_streams_model, ["INT4", "UINT3"]),
    ],
    ids=["ConvolutionInputGenerator", "StreamingMaxPool", "AddStreams"],
)
def test_hls_only_kernels_conform(factory: Any, datatypes: list[str]) -> None:
    report = check_kernel(factory, datatypes=datatypes)
    assert {c.mode for c in report.cases} == {"cppsim"} and len(report.cases) >= 2 * 2


def test_layernorm_conforms_within_float_rounding() -> None:
    report = check_kernel(layernorm_model, datatypes=["INT8", "UINT4"], tolerance=1e-4)
    assert _backends(report) == {"LayerNorm_hls"}


def test_fifo_conforms_at_several_depths() -> None:
    report = check_kernel(
        fifo_model, datatypes=["INT4", "UINT8"], foldings=[{"depth": 2}, {"depth": 32}]
    )
    assert {c.backend for c in report.cases} == {"StreamingFIFO_rtl"}


def test_width_converter_conforms_up_and_down() -> None:
    report = check_kernel(
        dwc_model,
        datatypes=["INT4", "UINT2"],
        foldings=[{"inWidth": 4, "outWidth": 16}, {"inWidth": 16, "outWidth": 8}],
    )
    assert len(report.cases) == 4


def test_the_suite_catches_a_wrong_backend(monkeypatch: pytest.MonkeyPatch) -> None:
    from brainsmith_builtin.backends.nodes.thresholding import Thresholding_hls

    original = Thresholding_hls.execute_cppsim

    def off_by_one(self: Any, context: dict[str, Any], graph: Any) -> None:
        original(self, context, graph)
        context[self.onnx_node.output[0]][..., 0] += 1

    monkeypatch.setattr(Thresholding_hls, "execute_cppsim", off_by_one)
    with pytest.raises(ConformanceError, match=r"Thresholding_hls \(cppsim\).*differs"):
        check_kernel(thresholding_model, datatypes=["INT4"], foldings=[{"PE": 2}])


def test_the_suite_refuses_a_factory_that_ignores_the_folding() -> None:
    def stuck_at_pe1(idt: str, folding: Folding, rng: np.random.Generator) -> Any:
        return thresholding_model(idt, {}, rng)

    with pytest.raises(ConformanceError, match="set PE=1, not the requested 8"):
        check_kernel(stuck_at_pe1, datatypes=["INT4"], foldings=[{"PE": 8}])
