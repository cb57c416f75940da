"""SpecializeBackends picks backends by preference and feasibility and says why; set_exec_mode and
prepare_exec run a specialised graph in cppsim and rtlsim bit-exactly against Python; the
generated sources land on disk (the RTL wrapper compiles in Icarus)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.hardware import mapping_summary, prepare_exec, set_exec_mode
from brainsmith_builtin.hw_transforms.specialize_backends import SpecializeBackends
from brainsmith_builtin.kernels.registration import install_builtin_kernels
from onnx import helper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.general import GiveUniqueNodeNames

sys.path.insert(0, str(Path(__file__).parents[1] / "hardware"))
from hw_graphs import BUILTIN, make_model, random_of


@pytest.fixture(autouse=True, scope="module")
def _builtin_kernels_installed() -> None:
    install_builtin_kernels()


def mlp(rng: np.random.Generator, idt: str = "INT4") -> tuple[Any, Any]:
    """MVAU (INT4 x INT3 weights, thresholds) -> Thresholding -> StreamingFIFO: a small graph
    with every kind of backend. Returns the model and an input."""
    mw, mh, vecs = 8, 4, [1, 12]
    w = random_of("INT3", (mw, mh), rng)
    t1 = np.sort(rng.integers(-60, 60, (mh, 3)), axis=1).astype(np.float32)
    t2 = np.array([[0.0, 1.0, 2.0]], dtype=np.float32)
    nodes = [
        helper.make_node(
            "MVAU",
            ["x", "W", "T1"],
            ["h"],
            domain=BUILTIN,
            name="mvau",
            MW=mw,
            MH=mh,
            SIMD=2,
            PE=2,
            inputDataType=idt,
            weightDataType="INT3",
            outputDataType="UINT2",
            accDataType="INT12",
            numInputVectors=vecs,
        ),
        helper.make_node(
            "Thresholding",
            ["h", "T2"],
            ["z"],
            domain=BUILTIN,
            name="thresholds",
            NumChannels=mh,
            PE=4,
            numSteps=3,
            inputDataType="UINT2",
            weightDataType="UINT2",
            outputDataType="UINT2",
            numInputVectors=vecs,
        ),
        helper.make_node(
            "StreamingFIFO",
            ["z"],
            ["y"],
            domain=BUILTIN,
            name="fifo",
            depth=4,
            folded_shape=[1, 12, 1, 4],
            normal_shape=[1, 12, 4],
            dataType="UINT2",
        ),
    ]
    model = make_model(
        nodes,
        {"x": ((1, 12, mw), idt)},
        {"y": (1, 12, mh)},
        {"W": (w, "INT3"), "T1": (t1, None), "T2": (t2, None)},
    )
    return model, random_of(idt, (1, 12, mw), rng)


def test_default_preferences_take_hls_first_and_rtl_for_infrastructure() -> None:
    model, _ = mlp(np.random.default_rng(1))
    model = model.transform(SpecializeBackends())
    assert [n.op_type for n in model.graph.node] == [
        "MVAU_hls",
        "Thresholding_hls",
        "StreamingFIFO_rtl",
    ]
    assert [n.domain for n in model.graph.node] == [BUILTIN] * 3
    backends = {b["node"]: b for b in mapping_summary(model)["backends"]}
    assert backends["mvau"]["backend"] == "MVAU_hls" and backends["mvau"]["rejected"] == []
    assert backends["fifo"]["language"] == "rtl"


def test_preferences_option_and_infeasible_backend_reasons() -> None:
    # BIPOLAR input: the RTL Thresholding cannot take it, so the HLS one is taken instead
    rng = np.random.default_rng(2)
    node = helper.make_node(
        "Thresholding",
        ["x", "T"],
        ["y"],
        domain=BUILTIN,
        name="bipolar_thresholds",
        NumChannels=4,
        PE=1,
        numSteps=1,
        inputDataType="BIPOLAR",
        weightDataType="INT2",
        outputDataType="BINARY",
    )
    model = make_model(
        [node], {"x": ((1, 4), "BIPOLAR")}, {"y": (1, 4)}, {"T": (np.zeros((1, 1)), None)}
    )
    model = model.transform(
        SpecializeBackends(preferences={"Thresholding": ["rtl", "hls"], "MVAU": ["rtl"]})
    )
    assert model.graph.node[0].op_type == "Thresholding_hls"
    (entry,) = mapping_summary(model)["backends"]
    (rejected,) = entry["rejected"]
    assert rejected["language"] == "rtl"
    assert "BIPOLAR" in rejected["reasons"][0] and "bipolar_thresholds" in rejected["reasons"][0]
    renamed = model.transform(GiveUniqueNodeNames())  # a later pass renames the node
    (after_rename,) = mapping_summary(renamed)["backends"]
    assert after_rename["node"] != "bipolar_thresholds"
    assert after_rename["rejected"] == entry["rejected"]
    x = random_of("BIPOLAR", (1, 4), rng)
    expected = execute_onnx(model, {"x": x})["y"]
    set_exec_mode(model, "cppsim")
    prepare_exec(model, "cppsim")
    assert np.array_equal(execute_onnx(model, {"x": x})["y"], expected)


def test_missing_backend_is_recorded_and_the_node_stays_a_kernel() -> None:
    model, _ = mlp(np.random.default_rng(3))
    model = model.transform(SpecializeBackends(preferences={"StreamingFIFO": ["hls"]}))
    fifo = model.graph.node[2]
    assert fifo.op_type == "StreamingFIFO"
    entry = next(b for b in mapping_summary(model)["backends"] if b["node"] == "fifo")
    assert entry["backend"] is None
    assert entry["rejected"] == [
        {"language": "hls", "reasons": [f"no hls backend of StreamingFIFO exists in {BUILTIN}"]}
    ]
    report = set_exec_mode(model, "cppsim")
    assert dict(report.python)["fifo"].startswith("StreamingFIFO is not specialised")


@pytest.mark.parametrize("preferences", [{"MVAU": "rtl"}, {"MVAU": ["vhdl"]}, ["MVAU"]])
def test_malformed_preferences_are_refused(preferences: Any) -> None:
    with pytest.raises(ValueError, match="SpecializeBackends: preferences"):
        SpecializeBackends(preferences=preferences)


@pytest.mark.parametrize(
    ("preferences", "mode"),
    [
        ({}, "cppsim"),
        ({"MVAU": ["rtl"], "Thresholding": ["rtl"]}, "rtlsim"),
    ],
    ids=["hls-cppsim", "rtl-rtlsim"],
)
def test_whole_graph_runs_in_a_simulation_mode_bit_exactly(
    preferences: dict[str, list[str]], mode: str
) -> None:
    if mode == "rtlsim" and not (shutil.which("iverilog") or shutil.which("verilator")):
        pytest.skip("no Verilog simulator installed")
    model, x = mlp(np.random.default_rng(4))
    expected = execute_onnx(model, {"x": x})["y"]
    model = model.transform(SpecializeBackends(preferences=preferences))
    report = set_exec_mode(model, mode)
    prepare_exec(model, mode)
    assert np.array_equal(execute_onnx(model, {"x": x})["y"], expected)
    kinds = {n.name: n.op_type for n in model.graph.node}
    for name in report.simulated:
        suffix = "_hls" if mode == "cppsim" else "_rtl"
        assert kinds[name].endswith(suffix)
    if mode == "rtlsim":
        assert set(report.simulated) == {"mvau", "thresholds", "fifo"}
        for node in model.graph.node:
            instance = getCustomOp(node)
            # the rtlsim cycles are recorded on the graph's node (the 15% bound on larger
            # shapes is the conformance suite's check: here the pipeline latency dominates)
            assert instance.get_nodeattr("cycles_rtlsim") >= instance.get_exp_cycles()
    else:
        assert dict(report.python) == {
            "fifo": "StreamingFIFO_rtl is an rtl backend, which simulates in rtlsim, not cppsim"
        }


def test_set_exec_mode_refuses_an_unknown_mode() -> None:
    model, _ = mlp(np.random.default_rng(5))
    with pytest.raises(ValueError, match="'hwsim' is not an execution mode"):
        set_exec_mode(model, "hwsim")


def test_generated_sources_are_written_and_the_rtl_wrapper_elaborates(tmp_path: Path) -> None:
    model, _ = mlp(np.random.default_rng(6))
    model = model.transform(SpecializeBackends(preferences={"MVAU": ["rtl"]}))
    mvau, thresholds, fifo = (getCustomOp(n) for n in model.graph.node)
    (cpp,) = thresholds.generate_hls(tmp_path / "hls", model)
    assert "#pragma HLS PIPELINE II=1" in cpp.read_text()
    files = mvau.generate_rtl(tmp_path / "rtl", model)
    names = {f.name for f in files}
    assert {"bs_mvau.v", "mvau.v"} <= names and any(n.endswith(".mem") for n in names)
    with pytest.raises(Exception, match="not available as a constant tensor"):
        mvau.generate_rtl(tmp_path / "no-model")
    if shutil.which("iverilog"):
        verilog = [str(f) for f in files if f.suffix == ".v"]
        result = subprocess.run(
            ["iverilog", "-g2012", "-s", "mvau", "-o", str(tmp_path / "a.out"), *verilog],
            cwd=tmp_path / "rtl",
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    assert fifo.generate_rtl(tmp_path / "fifo")[-1].name == "fifo.v"
