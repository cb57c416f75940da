"""``brainsmith compile --verify`` on models verification cannot run: refused before compiling
(exit 2) naming the operator or type and why, while the same models still compile without
``--verify``; and input sets the original rejects are skipped, not the whole verification."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import onnx
import pytest
from brainsmith.cli import main
from onnx import TensorProto, helper, numpy_helper


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def _model(
    nodes: list[onnx.NodeProto],
    inputs: list[onnx.ValueInfoProto],
    outputs: list[onnx.ValueInfoProto],
    opset: int = 13,
    extra: tuple[tuple[str, int], ...] = (),
) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs)
    imports = [helper.make_opsetid("", opset)] + [helper.make_opsetid(d, v) for d, v in extra]
    model = helper.make_model(graph, opset_imports=imports)
    model.ir_version = 8 if opset < 21 else 10
    onnx.checker.check_model(model)
    return model


def _save(model: onnx.ModelProto, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(model, str(path))
    return path


def _compile(capsys: pytest.CaptureFixture[str], *args: object) -> tuple[int, str]:
    capsys.readouterr()
    code = main(["compile", *map(str, args)])
    return code, capsys.readouterr().err


def _refused_before_compiling(code: int, err: str, out: Path) -> None:
    assert code == 2, err
    assert "--verify cannot run this model" in err
    assert "[1/" not in err  # no stage ran
    assert not (out / "model.onnx").exists()
    assert "Traceback" not in err


def test_bfloat16_input_is_refused_with_verify_and_compiles_without(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(
        [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.FLOAT)],
        [helper.make_tensor_value_info("x", TensorProto.BFLOAT16, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])],
    )
    path = _save(model, tmp_path / "bf16.onnx")
    code, err = _compile(capsys, path, "--verify", "-o", tmp_path / "v")
    _refused_before_compiling(code, err, tmp_path / "v")
    assert "input 'x' is bfloat16" in err
    assert "fix: compile without --verify" in err
    code, err = _compile(capsys, path, "-q", "-o", tmp_path / "plain")
    assert code == 0, err
    assert (tmp_path / "plain" / "model.onnx").exists()


def test_int4_output_is_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    model = _model(
        [helper.make_node("Cast", ["x"], ["y"], to=TensorProto.INT4)],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [4])],
        [helper.make_tensor_value_info("y", TensorProto.INT4, [4])],
        opset=21,
    )
    code, err = _compile(capsys, _save(model, tmp_path / "i4.onnx"), "--verify", "-o", "o")
    _refused_before_compiling(code, err, tmp_path / "o")
    assert "output 'y' is int4" in err


def test_operator_onnxruntime_lacks_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(
        [helper.make_node("Max", ["a", "b"], ["y"])],
        [
            helper.make_tensor_value_info("a", TensorProto.INT16, [3]),
            helper.make_tensor_value_info("b", TensorProto.INT16, [3]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.INT16, [3])],
    )
    path = _save(model, tmp_path / "max16.onnx")
    code, err = _compile(capsys, path, "--verify", "-o", tmp_path / "v")
    _refused_before_compiling(code, err, tmp_path / "v")
    assert "onnxruntime cannot load it: Could not find an implementation for Max(13)" in err
    assert "[ONNXRuntimeError]" not in err
    code, err = _compile(capsys, path, "-q", "-o", tmp_path / "plain")
    assert code == 0, err


def test_unknown_custom_operator_is_named(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    model = _model(
        [helper.make_node("Frobnicate", ["x"], ["y"], domain="acme.ops", name="frob0")],
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])],
        extra=(("acme.ops", 1),),
    )
    code, err = _compile(capsys, _save(model, tmp_path / "frob.onnx"), "--verify", "-o", "o")
    _refused_before_compiling(code, err, tmp_path / "o")
    assert "operator Frobnicate of domain 'acme.ops' (node 'frob0')" in err
    assert "nor a registered QONNX custom op" in err
    assert "install the plugin that provides it" in err


def test_map_input_is_refused_unless_inputs_are_given(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    map_type = helper.make_map_type_proto(
        TensorProto.INT64, helper.make_tensor_type_proto(TensorProto.FLOAT, None)
    )
    model = _model(
        [helper.make_node("Identity", ["m"], ["y"])],
        [helper.make_value_info("m", map_type)],
        [helper.make_value_info("y", map_type)],
    )
    code, err = _compile(capsys, _save(model, tmp_path / "map.onnx"), "--verify", "-o", "o")
    _refused_before_compiling(code, err, tmp_path / "o")
    assert "input 'm' is a map, for which no values can be drawn" in err
    assert "--inputs FILE.npz" in err


def _affine_grid(folder: Path) -> Path:
    """AffineGrid, whose integer ``size`` input must start with theta's batch: random
    draws are rejected by onnxruntime; the model's own test_data_set_0 is valid."""
    model = _model(
        [helper.make_node("AffineGrid", ["theta", "size"], ["grid"])],
        [
            helper.make_tensor_value_info("theta", TensorProto.FLOAT, [2, 2, 3]),
            helper.make_tensor_value_info("size", TensorProto.INT64, [4]),
        ],
        [helper.make_tensor_value_info("grid", TensorProto.FLOAT, [2, 3, 4, 2])],
        opset=20,
    )
    path = _save(model, folder / "model.onnx")
    data = folder / "test_data_set_0"
    data.mkdir()
    theta = np.random.default_rng(0).uniform(-1, 1, (2, 2, 3)).astype(np.float32)
    size = np.array([2, 1, 3, 4], dtype=np.int64)
    for i, (name, array) in enumerate((("theta", theta), ("size", size))):
        (data / f"input_{i}.pb").write_bytes(
            numpy_helper.from_array(array, name).SerializeToString()
        )
    return path


def test_random_sets_the_original_rejects_are_skipped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _affine_grid(tmp_path / "affine")
    out = tmp_path / "o"
    code, err = _compile(capsys, path, "--verify", "-o", out)
    assert code == 0, err
    assert "not verified" not in err
    assert "verify: on 1 input set(s): test_data_set_0" in err
    assert "verify: skipped random (seed 0): Non-zero status code returned while running " in err
    verification = json.loads((out / "compile_report.json").read_text())["verification"]
    assert verification["status"] == "passed"
    assert verification["inputs"] == ["test_data_set_0"]
    assert [s.split(":")[0] for s in verification["skipped_inputs"]] == [
        "random (seed 0)",
        "random (seed 1)",
        "random (seed 2)",
    ]


def test_only_rejected_sets_leave_the_model_unverifiable(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = _affine_grid(tmp_path / "affine")
    alone = tmp_path / "alone.onnx"
    alone.write_bytes(path.read_bytes())  # no reference set beside it
    out = tmp_path / "o"
    code, err = _compile(capsys, alone, "--verify", "-o", out)
    assert code == 0, err
    assert "warning: verify: not verified: the original model cannot be executed on random" in err
    verification = json.loads((out / "compile_report.json").read_text())["verification"]
    assert verification["status"] == "unverifiable"
    assert len(verification["skipped_inputs"]) == 3


def test_a_sequence_reference_set_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A SequenceProto file parses as a TensorProto with nonsense fields too: it must still be
    read as the sequence it is, or the model's only valid input set is lost."""
    sequence_type = helper.make_sequence_type_proto(
        helper.make_tensor_type_proto(TensorProto.INT64, [3])
    )
    model = _model(
        [helper.make_node("SequenceInsert", ["seq", "t", "pos"], ["out"])],
        [
            helper.make_value_info("seq", sequence_type),
            helper.make_tensor_value_info("t", TensorProto.INT64, [3]),
            helper.make_tensor_value_info("pos", TensorProto.INT64, [1]),
        ],
        [helper.make_value_info("out", sequence_type)],
        opset=12,
    )
    folder = tmp_path / "seq"
    path = _save(model, folder / "model.onnx")
    data = folder / "test_data_set_0"
    data.mkdir()
    arrays = [np.array([1, 2, 3]), np.array([4, 5, 6])]
    sequence = numpy_helper.from_list(arrays, "seq")
    (data / "input_0.pb").write_bytes(sequence.SerializeToString())
    for i, (name, array) in enumerate((("t", np.array([7, 8, 9])), ("pos", np.array([0]))), 1):
        (data / f"input_{i}.pb").write_bytes(
            numpy_helper.from_array(array.astype(np.int64), name).SerializeToString()
        )
    out = tmp_path / "o"
    code, err = _compile(capsys, path, "--verify", "-o", out)
    assert code == 0, err
    verification = json.loads((out / "compile_report.json").read_text())["verification"]
    assert verification["status"] == "passed", verification
    assert "test_data_set_0" in verification["inputs"]
