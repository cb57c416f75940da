"""InsertDWC, InsertFIFO and SizeFIFOs: converters where widths differ, FIFOs on every kernel
stream, depths from the pipeline simulation (minimal, no throughput loss, no deadlock)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.compile import compile_model
from brainsmith.hardware import (
    PipelineDeadlock,
    is_kernel_node,
    kernel_name,
    simulate_pipeline,
)
from brainsmith_builtin.hw_transforms.dataflow_pipeline import (
    dataflow_pipeline,
    fifo_depths,
    fifo_edges,
)
from brainsmith_builtin.hw_transforms.insert_dwc import InsertDWC
from brainsmith_builtin.hw_transforms.insert_fifo import InsertFIFO
from brainsmith_builtin.hw_transforms.size_fifos import SIZING_KEY, SizeFIFOs
from hw_graphs import BUILTIN, make_model, random_of, run
from onnx import helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.custom_op.registry import getCustomOp

MODELS = Path(__file__).parents[4] / "tests" / "models" / "brevitas"


def mvau(name: str, x: str, y: str, mw: int, mh: int, simd: int, pe: int, idt: str) -> Any:
    return helper.make_node(
        "MVAU",
        [x, f"W_{name}"],
        [y],
        name=name,
        domain=BUILTIN,
        MW=mw,
        MH=mh,
        SIMD=simd,
        PE=pe,
        inputDataType=idt,
        weightDataType="INT2",
        outputDataType="INT16",
        accDataType="INT16",
        noActivation=1,
        numInputVectors=[1],
    )


def three_mvaus(rng: np.random.Generator) -> ModelWrapper:
    """8 -> 8 (PE 2: 32-bit words) -> 4 (SIMD 4: 64-bit words, PE 4) -> 4 (SIMD 4: equal)."""
    nodes = [
        mvau("A", "x", "a", 8, 8, 1, 2, "INT4"),
        mvau("B", "a", "b", 8, 4, 4, 4, "INT16"),
        mvau("C", "b", "y", 4, 4, 4, 1, "INT16"),
    ]
    weights = {
        f"W_{n}": (random_of("INT2", s, rng), "INT2")
        for n, s in (("A", (8, 8)), ("B", (8, 4)), ("C", (4, 4)))
    }
    return make_model(nodes, {"x": ((1, 8), "INT4")}, {"y": (1, 4)}, weights)


def test_a_converter_goes_exactly_where_widths_differ_and_changes_no_value() -> None:
    rng = np.random.default_rng(0)
    model = three_mvaus(rng)
    x = random_of("INT4", (1, 8), rng)
    before = run(model, {"x": x})
    model = model.transform(InsertDWC())
    dwcs = [n for n in model.graph.node if kernel_name(n.op_type) == "StreamingDataWidthConverter"]
    assert [(n.name, n.op_type) for n in dwcs] == [("DWC_B_0", "StreamingDataWidthConverter_rtl")]
    dwc = getCustomOp(dwcs[0])
    assert (dwc.get_nodeattr("inWidth"), dwc.get_nodeattr("outWidth")) == (32, 64)
    for node in model.graph.node:  # every stream now joins equal widths
        for tensor in node.input[:1]:
            producer = model.find_producer(tensor)
            if producer is not None:
                assert (
                    getCustomOp(producer).get_outstream_width()
                    == getCustomOp(node).get_instream_width()
                )
    np.testing.assert_array_equal(run(model, {"x": x}), before)
    assert model.transform(InsertDWC()).graph == model.graph  # idempotent


@pytest.mark.skipif(
    not (shutil.which("iverilog") or shutil.which("verilator")), reason="no HDL sim"
)
def test_the_inserted_converter_simulates_bit_exact_in_rtlsim() -> None:
    rng = np.random.default_rng(1)
    model = three_mvaus(rng).transform(InsertDWC())
    x = random_of("INT4", (1, 8), rng)
    expected = run(model, {"x": x})
    dwc = getCustomOp(model.get_node_from_name("DWC_B_0"))
    dwc.set_nodeattr("exec_mode", "rtlsim")
    np.testing.assert_array_equal(run(model, {"x": x}), expected)
    assert dwc.get_nodeattr("cycles_rtlsim") > 0


def test_fifos_go_on_every_stream_between_kernels() -> None:
    rng = np.random.default_rng(2)
    model = three_mvaus(rng).transform(InsertDWC())
    x = random_of("INT4", (1, 8), rng)
    before = run(model, {"x": x})
    model = model.transform(InsertFIFO())
    edges = {(e.producer, e.consumer) for e in fifo_edges(model)}
    assert edges == {("A", "DWC_B_0"), ("DWC_B_0", "B"), ("B", "C")}
    assert all(n.op_type == "StreamingFIFO_rtl" for n in model.graph.node if "FIFO" in n.name)
    np.testing.assert_array_equal(run(model, {"x": x}), before)
    assert len(model.transform(InsertFIFO()).graph.node) == len(model.graph.node)


@pytest.fixture(scope="module", params=["tfc_w4a4", "cnv_w4a4"])
def compiled(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Any:
    out = tmp_path_factory.mktemp(request.param)
    result = compile_model(
        MODELS / request.param / "torchscript.onnx", blueprint="builtin:dataflow", output_dir=out
    )
    return ModelWrapper(str(result.model_path))


def kernel_streams(model: ModelWrapper) -> int:
    """Streams between two non-FIFO kernel nodes, counted through the FIFOs."""
    count = 0
    for node in model.graph.node:
        if is_kernel_node(node) and kernel_name(node.op_type) != "StreamingFIFO":
            for tensor in node.input[: getCustomOp(node).stream_input_count()]:
                producer = model.find_producer(tensor)
                if producer is not None and is_kernel_node(producer):
                    count += 1
    return count


def test_compiled_models_have_a_sized_fifo_on_every_kernel_stream(compiled: Any) -> None:
    depths = fifo_depths(compiled)
    assert len(depths) == kernel_streams(compiled) > 0
    assert all(d >= 2 for d in depths.values())
    record = json.loads(compiled.get_metadata_prop(SIZING_KEY))
    assert record["depths"] == depths


def test_sized_depths_are_minimal(compiled: Any) -> None:
    nodes, edges = dataflow_pipeline(compiled)
    names = set(fifo_depths(compiled))
    reference = simulate_pipeline(nodes, edges, depths=dict.fromkeys(names))
    sized = simulate_pipeline(nodes, edges)
    assert reference is not None and sized is not None
    assert sized.steady_cycles == reference.steady_cycles
    for name, depth in fifo_depths(compiled).items():
        if depth == 2:
            continue
        try:
            smaller = simulate_pipeline(nodes, edges, depths={name: depth - 1})
        except PipelineDeadlock:
            continue
        assert smaller is not None and smaller.steady_cycles > reference.steady_cycles, name


def test_simulated_throughput_is_the_slowest_kernel(compiled: Any) -> None:
    nodes, edges = dataflow_pipeline(compiled)
    result = simulate_pipeline(nodes, edges, frames=3)
    assert result is not None
    slowest = max(
        getCustomOp(n).get_exp_cycles()
        for n in compiled.graph.node
        if is_kernel_node(n) and kernel_name(n.op_type) != "StreamingFIFO"
    )
    assert result.period == slowest


def residual(channels: int, vectors: int) -> ModelWrapper:
    """Thresholding forks into AddStreams directly and through an MVAU that reads a whole
    ``channels``-word vector before its first output word: an unbalanced fork/join."""
    common = {"numInputVectors": [1, vectors]}
    nodes = [
        helper.make_node(
            "Thresholding",
            ["x", "T"],
            ["t"],
            name="fork",
            domain=BUILTIN,
            NumChannels=channels,
            PE=1,
            numSteps=3,
            inputDataType="INT8",
            weightDataType="INT8",
            outputDataType="UINT2",
            ActVal=0,
            **common,
        ),
        helper.make_node(
            "MVAU",
            ["t", "W"],
            ["m"],
            name="long",
            domain=BUILTIN,
            MW=channels,
            MH=channels,
            SIMD=1,
            PE=1,
            inputDataType="UINT2",
            weightDataType="INT2",
            outputDataType="INT8",
            accDataType="INT8",
            noActivation=1,
            **common,
        ),
        helper.make_node(
            "AddStreams",
            ["t", "m"],
            ["y"],
            name="join",
            domain=BUILTIN,
            NumChannels=channels,
            PE=1,
            inputDataTypes=["UINT2", "INT8"],
            outputDataType="INT16",
            **common,
        ),
    ]
    rng = np.random.default_rng(3)
    thresholds = np.sort(random_of("INT8", (channels, 3), rng), axis=1)
    weights = np.zeros((channels, channels), dtype=np.float32)
    np.fill_diagonal(weights, 1)
    return make_model(
        nodes,
        {"x": ((1, vectors, channels), "INT8")},
        {"y": (1, vectors, channels)},
        {"T": (thresholds, "INT8"), "W": (weights, "INT2")},
    )


def test_an_unbalanced_fork_deadlocks_at_depth_two_and_sizing_fixes_it() -> None:
    model = residual(channels=32, vectors=4)
    x = random_of("INT8", (1, 4, 32), np.random.default_rng(4))
    expected = run(model, {"x": x})
    model = model.transform(InsertDWC()).transform(InsertFIFO())
    nodes, edges = dataflow_pipeline(model)
    with pytest.raises(PipelineDeadlock) as caught:
        simulate_pipeline(nodes, edges)
    assert "FIFO_fork_join_0 (depth 2)" in caught.value.full_fifos
    model = model.transform(SizeFIFOs())
    depths = fifo_depths(model)
    assert depths["FIFO_fork_join_0"] > 2
    assert depths["FIFO_fork_long_0"] == 2
    result = simulate_pipeline(*dataflow_pipeline(model))
    assert result is not None
    np.testing.assert_array_equal(run(model, {"x": x}), expected)
