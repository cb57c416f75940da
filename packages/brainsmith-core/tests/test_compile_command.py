"""``brainsmith compile`` in process: the example end to end, onnx's own models, a deep MLP,
reproducibility, resuming, and every bad input (message + no output file)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import onnx
import pytest
from brainsmith.cli import main
from brainsmith.compile import read_provenance, run_model
from brainsmith.examples import mlp_model
from compile_helpers import PYTORCH_CONVERTED, PYTORCH_MODELS
from onnx import numpy_helper
from qonnx.core.modelwrapper import ModelWrapper

if TYPE_CHECKING:
    from conftest import FakeSite


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # no project settings; relative outputs land here


def compile_(*args: str) -> int:
    return main(["compile", "-q", *map(str, args)])


def test_example_compiles_and_verifies(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ex"
    assert compile_("--example", "--verify", "--json", "-o", out) == 0
    printed = json.loads(capsys.readouterr().out)
    report = json.loads((out / "compile_report.json").read_text())
    assert printed == report
    assert report["status"] == "ok"
    assert report["verification"]["passed"] is True
    assert report["verification"]["outputs"][0]["max_abs_diff"] <= 1e-4
    assert {p["namespace"] for p in report["plugins"]} >= {"builtin", "qonnx"}
    assert report["stages"] == [
        "graph_cleanup",
        "topology_optimization",
        "kernel_mapping",
        "kernel_optimization",
        "graph_optimization",
    ]
    by_name = {t["transform"]: t for t in report["transforms"]}
    assert by_name["builtin:ExpandNorms"]["modified"] is True
    assert by_name["builtin:RemoveIdentity"]["modified"] is True
    assert all(t["seconds"] >= 0 and t["distribution"] for t in report["transforms"])
    model = ModelWrapper(str(out / "model.onnx"))
    assert not model.get_nodes_by_op_type("LayerNormalization")
    assert not model.get_nodes_by_op_type("Identity")
    provenance = read_provenance(model)
    assert provenance is not None
    assert provenance["blueprint_sha256"] == report["blueprint"]["sha256"]
    assert [t["transform"] for t in provenance["transforms"]] == [
        t["transform"] for t in report["transforms"]
    ]
    assert "seconds" not in provenance["transforms"][0]


def test_rerun_is_byte_identical(tmp_path: Path) -> None:
    assert compile_("--example", "-o", tmp_path / "a") == 0
    assert compile_("--example", "-o", tmp_path / "b") == 0
    assert (tmp_path / "a/model.onnx").read_bytes() == (tmp_path / "b/model.onnx").read_bytes()


@pytest.mark.parametrize("name", PYTORCH_MODELS)
def test_onnx_shipped_models_compile_verified(name: str, tmp_path: Path) -> None:
    folder = PYTORCH_CONVERTED / name
    out = tmp_path / name
    assert compile_(folder / "model.onnx", "--verify", "--tolerance", "1e-5", "-o", out) == 0
    report = json.loads((out / "compile_report.json").read_text())
    assert report["verification"]["passed"] is True
    # the compiled model reproduces the reference output shipped beside the model
    compiled = ModelWrapper(str(out / "model.onnx"))
    tensor = onnx.TensorProto()
    tensor.ParseFromString((folder / "test_data_set_0/input_0.pb").read_bytes())
    expected = onnx.TensorProto()
    expected.ParseFromString((folder / "test_data_set_0/output_0.pb").read_bytes())
    # (verify.run lifts opset-6 models, which onnxruntime no longer runs, to opset 11)
    (got,) = run_model(compiled, {compiled.graph.input[0].name: numpy_helper.to_array(tensor)})
    np.testing.assert_allclose(got, numpy_helper.to_array(expected), atol=1e-5, rtol=1e-5)


def test_deep_mlp_compiles_verified(tmp_path: Path) -> None:
    source = tmp_path / "mlp.onnx"
    onnx.save(mlp_model(200, bias=False), source)
    blueprint = tmp_path / "cheap.yaml"
    blueprint.write_text(
        textwrap.dedent(
            """
            name: cheap
            stages:
              graph_cleanup: [InferShapes, GiveUniqueNodeNames, RemoveIdentityOps]
              topology_optimization: [ConvertSubToAdd, ConvertDivToMul]
            """
        )
    )
    assert compile_(source, "-b", blueprint, "--verify", "-o", tmp_path / "out") == 0
    report = json.loads((tmp_path / "out/compile_report.json").read_text())
    assert report["verification"]["passed"] is True
    assert len(ModelWrapper(str(tmp_path / "out/model.onnx")).graph.node) == 400


def test_checkpoints_and_resume(tmp_path: Path) -> None:
    out = tmp_path / "ck"
    assert compile_("--example", "--checkpoints", "-o", out) == 0
    full = (out / "model.onnx").read_bytes()
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "01_graph_cleanup.onnx",
        "02_topology_optimization.onnx",
        "03_kernel_mapping.onnx",
        "04_kernel_optimization.onnx",
        "05_graph_optimization.onnx",
    ]
    first = json.loads((out / "compile_report.json").read_text())["transforms"]
    assert compile_("--example", "--start-stage", "graph_optimization", "-o", out) == 0
    report = json.loads((out / "compile_report.json").read_text())
    assert report["stages"] == ["graph_optimization"]
    assert (out / "model.onnx").read_bytes() == full
    # the steps before the resumed stage are reported as the first run measured them
    before = [t for t in first if t["stage"] != "graph_optimization"]
    assert before and report["transforms"][: len(before)] == before
    assert all(t["iterations"] >= 1 for t in before if not t["skipped"])
    assert not any(p.key.startswith("brainsmith.checkpoint") for p in _props(out / "model.onnx"))


def _props(path: Path) -> list[Any]:
    return list(ModelWrapper(str(path)).model.metadata_props)


def test_stop_stage(tmp_path: Path) -> None:
    assert compile_("--example", "--stop-stage", "graph_cleanup", "-o", tmp_path / "o") == 0
    report = json.loads((tmp_path / "o/compile_report.json").read_text())
    assert report["stages"] == ["graph_cleanup"]


def _fails(capsys: pytest.CaptureFixture[str], *args: Any, code: int = 2) -> str:
    assert compile_(*args) == code
    return capsys.readouterr().err


def _no_output(out: Path) -> None:
    assert not (out / "model.onnx").exists()
    assert not (out / "compile_report.json").exists()


def test_not_onnx(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "notes.onnx"
    bad.write_text("this is not a model\n" * 20)
    err = _fails(capsys, bad, "-o", tmp_path / "o")
    assert f"error: {bad}: not an ONNX model" in err
    _no_output(tmp_path / "o")


def test_truncated_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    data = (PYTORCH_CONVERTED / "test_Conv2d/model.onnx").read_bytes()
    bad = tmp_path / "truncated.onnx"
    bad.write_bytes(data[: len(data) // 2])
    err = _fails(capsys, bad, "-o", tmp_path / "o")
    assert "not an ONNX model" in err
    _no_output(tmp_path / "o")


def test_model_failing_onnx_check(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = mlp_model(2)
    model.graph.node[1].input[0] = "nowhere"
    bad = tmp_path / "broken.onnx"
    onnx.save(model, bad)
    err = _fails(capsys, bad, "-o", tmp_path / "o")
    assert "fails ONNX checking" in err and "nowhere" in err
    _no_output(tmp_path / "o")


def test_missing_model(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(capsys, tmp_path / "absent.onnx", "-o", tmp_path / "o")
    assert "absent.onnx: model file not found" in err
    _no_output(tmp_path / "o")


def test_missing_blueprint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(capsys, "--example", "-b", tmp_path / "nope.yaml", "-o", tmp_path / "o")
    assert "nope.yaml: blueprint file not found" in err
    _no_output(tmp_path / "o")


def test_malformed_blueprint(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("stages:\n  graph_cleanup: [InferShapes\n")
    err = _fails(capsys, "--example", "-b", bad, "-o", tmp_path / "o")
    assert "bad.yaml:3" in err and "not valid YAML" in err
    _no_output(tmp_path / "o")


def test_failing_transform_keeps_last_checkpoint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    site.manifest_plugin(
        "boom",
        site.transforms_manifest("Boom", stage="topology_optimization"),
        files={
            "bsp_boom/transforms.py": """
                from qonnx.transformation.base import Transformation


                class Boom(Transformation):
                    def apply(self, model):
                        raise TypeError("boom")
                """
        },
    )
    blueprint = tmp_path / "boom.yaml"
    blueprint.write_text(
        textwrap.dedent(
            """
            stages:
              graph_cleanup: [InferShapes]
              topology_optimization: [boom:Boom]
            """
        )
    )
    out = tmp_path / "o"
    err = _fails(capsys, "--example", "-b", blueprint, "--checkpoints", "-o", out, code=1)
    assert "transform boom:Boom (brainsmith-plugin-boom 1.0)" in err
    assert "failed in stage topology_optimization: TypeError: boom" in err
    assert "01_graph_cleanup.onnx" in err
    assert [p.name for p in (out / "checkpoints").iterdir()] == ["01_graph_cleanup.onnx"]
    _no_output(out)


def test_unwritable_output_dir(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    err = _fails(capsys, "--example", "-o", blocker / "out")
    assert "cannot write to the output directory" in err
    assert blocker.read_text() == ""


def test_model_and_example_together_is_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    err = _fails(capsys, "model.onnx", "--example")
    assert "either a MODEL or --example" in err
