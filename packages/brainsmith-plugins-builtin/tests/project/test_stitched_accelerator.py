"""The stitched accelerator project: compiled Brevitas exports leave ``accelerator/`` whose HLS
top-level compiles with g++ and whose Verilog top-level simulates in a Verilog simulator, and
both compute what the Python execution of the dataflow partition computes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.cli import main
from brainsmith.compile import compile_model
from brainsmith.hardware import mapping_summary
from brainsmith_builtin.backends.rtl.rtlsim import Stimulus
from brainsmith_builtin.project import simulate_hls_project, simulate_rtl_project, write_accelerator
from qonnx.core.onnx_exec import execute_onnx

ROOT = Path(__file__).resolve().parents[4]
MODELS = ROOT / "tests" / "models" / "brevitas"
TFC = MODELS / "tfc_w4a4" / "torchscript.onnx"
CNV = MODELS / "cnv_w4a4" / "torchscript.onnx"
FRAMES = 3

pytestmark = pytest.mark.skipif(not TFC.exists(), reason="no Brevitas exports in tests/models")


def partition_io(model: Any, frames: int) -> tuple[np.ndarray, np.ndarray]:
    """The partition's input and output tensors over ``frames`` random model inputs (frames
    stacked on axis 0), from executing the whole compiled model in Python."""
    partition = mapping_summary(model)["partition"]
    (source,), (sink,) = partition["inputs"], partition["outputs"]
    graph_input = model.graph.input[0]
    shape = [d.dim_value for d in graph_input.type.tensor_type.shape.dim]
    rng = np.random.default_rng(7)
    xs, ys = [], []
    for _ in range(frames):
        x = rng.uniform(-1.0, 1.0, size=shape).astype(np.float32)
        context = execute_onnx(model, {graph_input.name: x}, return_full_exec_context=True)
        xs.append(context[source])
        ys.append(context[sink])
    return np.concatenate(xs), np.concatenate(ys)


@pytest.mark.parametrize("model_path", [TFC, CNV], ids=["tfc_w4a4", "cnv_w4a4"])
def test_the_hls_top_level_compiles_and_equals_the_partition(
    tmp_path: Path, model_path: Path
) -> None:
    if shutil.which("g++") is None:
        pytest.skip("g++ is not installed")
    result = compile_model(model_path, blueprint="builtin:dataflow", output_dir=tmp_path)
    project = tmp_path / "accelerator"
    manifest = json.loads((project / "manifest.json").read_text())
    assert manifest["language"] == "hls" and manifest["synthesised"] is False
    top = (project / manifest["hls_top"]).read_text()
    assert "#pragma HLS DATAFLOW" in top and "#pragma HLS INTERFACE axis port=in0" in top
    x, expected = partition_io(result.model, FRAMES)
    (actual,) = simulate_hls_project(project, [x])
    assert actual.shape == expected.reshape(actual.shape).shape
    np.testing.assert_array_equal(actual, expected.reshape(actual.shape))


def test_the_verilog_top_level_simulates_with_back_pressure(tmp_path: Path) -> None:
    pytest.importorskip("brainsmith_builtin.backends.rtl.simulator").find_simulator()
    result = compile_model(TFC, blueprint="builtin:dataflow-rtl", output_dir=tmp_path)
    project = tmp_path / "accelerator"
    manifest = json.loads((project / "manifest.json").read_text())
    assert manifest["language"] == "rtl" and manifest["hls_top"] is None
    x, expected = partition_io(result.model, FRAMES)
    smooth = simulate_rtl_project(project, x)
    pressured = simulate_rtl_project(
        project, x, stimulus=Stimulus(seed=5, gap_probability=0.2, stall_probability=0.3)
    )
    for run in (smooth, pressured):
        np.testing.assert_array_equal(run.output, expected.reshape(run.output.shape))
    interval = manifest["expected_cycles_per_frame"]
    # the slowest layer (784 x 64 at PE=SIMD=1) sets the pace: frames overlap in the pipeline
    assert interval <= smooth.cycles_per_frame <= 1.3 * interval
    assert pressured.cycles > smooth.cycles
    print(
        f"TFC rtlsim: {smooth.cycles_per_frame:.0f} cycles/frame free-running, "
        f"{pressured.cycles_per_frame:.0f} with back-pressure, formula {interval}"
    )


def test_the_command_leaves_the_project_and_the_report_lists_it(tmp_path: Path) -> None:
    out = tmp_path / "out"
    assert main(["compile", str(TFC), "-b", "builtin:dataflow", "-o", str(out), "--quiet"]) == 0
    report = json.loads((out / "compile_report.json").read_text())
    assert "accelerator/manifest.json" in report["artifacts"]
    assert "accelerator/hls/dataflow_top.cpp" in report["artifacts"]
    for path in report["artifacts"]:
        assert (out / path).is_file(), path
    readme = (out / "accelerator" / "README.md").read_text()
    assert "Nothing here was synthesised" in readme
    assert "vitis_hls -f run_hls.tcl" in readme


def test_a_compile_without_kernels_writes_no_accelerator(tmp_path: Path) -> None:
    result = compile_model(TFC, output_dir=tmp_path)  # the default blueprint maps no kernels
    assert not (tmp_path / "accelerator").exists()
    assert result.report["artifacts"] == []


def refold(model: Any, folding: dict[str, dict[str, int]]) -> None:
    from qonnx.custom_op.registry import getCustomOp

    for node in model.graph.node:
        for name, value in folding.get(node.name, {}).items():
            getCustomOp(node).set_nodeattr(name, value)


def test_the_hls_top_level_converts_widths_between_foldings(tmp_path: Path) -> None:
    if shutil.which("g++") is None:
        pytest.skip("g++ is not installed")
    model = compile_model(CNV, blueprint="builtin:dataflow", output_dir=tmp_path / "c").model
    # MatMul_0 writes 2 channels per word to a 1-wide sliding window; MatMul_1 reads 8 per word
    refold(model, {"MatMul_0": {"PE": 2}, "MatMul_1": {"SIMD": 8, "PE": 4}})
    assert write_accelerator(model, tmp_path)
    top = (tmp_path / "accelerator" / "hls" / "dataflow_top.cpp").read_text()
    assert top.count("// width converter") == 3  # 2->1, 1->8, and MatMul_1's 4 -> MaxPool's 1
    x, expected = partition_io(model, 2)
    (actual,) = simulate_hls_project(tmp_path / "accelerator", [x])
    np.testing.assert_array_equal(actual, expected.reshape(actual.shape))


def test_the_verilog_top_level_inserts_width_converters(tmp_path: Path) -> None:
    pytest.importorskip("brainsmith_builtin.backends.rtl.simulator").find_simulator()
    # refolded before FIFOs are inserted (as SetFolding does), so the widths differ between
    # the MVAUs themselves
    model = compile_model(
        TFC,
        blueprint="builtin:dataflow-rtl",
        output_dir=tmp_path / "c",
        stop_stage="kernel_optimization",
    ).model
    refold(model, {"MatMul_1": {"PE": 4}, "MatMul_2": {"SIMD": 2}, "MatMul_3": {"SIMD": 8}})
    write_accelerator(model, tmp_path)
    project = tmp_path / "accelerator"
    assert (project / "rtl" / "bs_streaming_dwc.v").is_file()
    assert (project / "rtl" / "dataflow_top.v").read_text().count("bs_streaming_dwc #(") == 2
    x, expected = partition_io(model, 2)
    run = simulate_rtl_project(project, x, stimulus=Stimulus(seed=3, stall_probability=0.25))
    np.testing.assert_array_equal(run.output, expected.reshape(run.output.shape))


def test_the_folded_tfc_with_sized_fifos_runs_8_frames_at_the_estimated_rate(
    tmp_path: Path,
) -> None:
    """Issue 12's check: folded for 10,000 fps at 100 MHz, with the FIFOs SizeFIFOs chose, the
    stitched Verilog processes 8 frames without deadlock at a steady rate within 10% of the
    estimate (the slowest layer's cycles)."""
    pytest.importorskip("brainsmith_builtin.backends.rtl.simulator").find_simulator()
    result = compile_model(
        TFC,
        blueprint="builtin:dataflow-rtl",
        output_dir=tmp_path / "c",
        target={"fps": 10_000, "clock_mhz": 100},
    )
    estimates = result.report["estimates"]
    assert estimates["meets_target"] and estimates["max_cycles"] <= 10_000
    assert any(layer["kernel"] == "StreamingFIFO" for layer in estimates["layers"])
    project = result.output_dir / "accelerator"
    x, expected = partition_io(result.model, 8)
    run = simulate_rtl_project(project, x)
    np.testing.assert_array_equal(run.output, expected.reshape(run.output.shape))
    assert run.frames == 8
    # the steady rate, without the pipeline's fill latency: 4 more frames cost 4 intervals
    shorter = simulate_rtl_project(project, x[:4])
    measured, estimated = (run.cycles - shorter.cycles) / 4, estimates["max_cycles"]
    assert abs(measured - estimated) <= 0.10 * estimated, (measured, estimated)
