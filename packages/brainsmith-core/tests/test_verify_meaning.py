"""``--verify`` on the kinds of model it used to get wrong (issue 9, item 1), through the CLI:
integer inputs drawn by meaning, a wrong integer compile caught, empty dimensions, NaN,
sequences and strings, the model's own reference inputs and ``--inputs file.npz``. Each model
is built here with ``onnx.helper``."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import onnx
import pytest
from brainsmith.cli import main
from brainsmith.compile import random_inputs, run_model, verify
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper

if TYPE_CHECKING:
    from conftest import FakeSite

INT64 = TensorProto.INT64
FLOAT = TensorProto.FLOAT


@pytest.fixture(autouse=True)
def _in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)


def model(
    nodes: list[Any],
    inputs: list[Any],
    outputs: list[Any],
    inits: tuple[Any, ...] = (),
    opset: int = 17,
) -> onnx.ModelProto:
    graph = helper.make_graph(nodes, "g", inputs, outputs, initializer=list(inits))
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])
    proto.ir_version = 8
    onnx.checker.check_model(proto)
    return proto


def save(proto: onnx.ModelProto, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    onnx.save(proto, path)
    return path


def compile_(capsys: pytest.CaptureFixture[str], *args: Any) -> tuple[int, str]:
    code = main(["compile", *map(str, args)])
    return code, capsys.readouterr().err


def report(out: Path) -> dict[str, Any]:
    return dict(json.loads((out / "compile_report.json").read_text())["verification"])


def int_div() -> onnx.ModelProto:
    """``y = x // 2`` on int64 (onnx's integer Div truncates)."""
    two = numpy_helper.from_array(np.array(2, dtype=np.int64), "two")
    return model(
        [helper.make_node("Div", ["x", "two"], ["y"])],
        [helper.make_tensor_value_info("x", INT64, [4])],
        [helper.make_tensor_value_info("y", INT64, [4])],
        (two,),
    )


def test_integer_inputs_are_not_all_zero() -> None:
    values = random_inputs(ModelWrapper(int_div()), seed=0)["x"]
    assert values.dtype == np.int64 and np.count_nonzero(values) > 0


def test_a_wrong_integer_compile_fails_verification(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    """A transform turning the integer Div into a multiply by 0 (what ConvertDivToMul does to
    integers) passed before: every integer input drawn was 0."""
    site.manifest_plugin(
        "wrong",
        site.transforms_manifest("DivToMulByZero", stage="topology_optimization"),
        files={
            "bsp_wrong/transforms.py": """
                import numpy as np
                from qonnx.transformation.base import Transformation


                class DivToMulByZero(Transformation):
                    def apply(self, model):
                        for node in model.graph.node:
                            if node.op_type == "Div":
                                node.op_type = "Mul"
                                divisor = model.get_initializer(node.input[1])
                                inverse = (1 / divisor).astype(divisor.dtype)  # 1 // 2 == 0
                                model.set_initializer(node.input[1], inverse)
                        return model, False
                """
        },
    )
    flow = tmp_path / "flow.yaml"
    flow.write_text("stages:\n  topology_optimization: [wrong:DivToMulByZero]\n")
    source = save(int_div(), tmp_path / "div.onnx")
    code, err = compile_(capsys, source, "-b", flow, "--verify", "-o", tmp_path / "o")
    assert code == 1, err
    assert "verification failed: output 'y'" in err and "on random (seed" in err
    assert report(tmp_path / "o")["status"] == "failed"
    # the right result, for the record
    expected = run_model(ModelWrapper(int_div()), {"x": np.array([10, 20, 30, 41])})[0]
    assert expected.tolist() == [5, 10, 15, 20]


def test_shape_index_repeat_and_divisor_inputs_get_valid_values(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Each integer input feeds a shape, indices, repeats or a divisor: all-zero draws made the
    original fail to run (Expand to shape 0, Tile by 0, Div by 0 ...)."""
    x = helper.make_tensor_value_info("x", FLOAT, [2, 3])
    ints = {
        "shape": [2],
        "indices": [4],
        "repeats": [2],
        "divisor": [3],
        "k": [1],
        "reshape_to": [3],
    }
    nodes = [
        helper.make_node("Expand", ["x", "shape"], ["expanded"]),
        helper.make_node("Gather", ["x", "indices"], ["gathered"], axis=1),
        helper.make_node("Tile", ["x", "repeats"], ["tiled"]),
        helper.make_node("Div", ["counts", "divisor"], ["divided"]),
        helper.make_node("TopK", ["x", "k"], ["top", "top_i"]),
        helper.make_node("Reshape", ["x", "reshape_to"], ["reshaped"]),
    ]
    proto = model(
        nodes,
        [
            x,
            *(helper.make_tensor_value_info(n, INT64, s) for n, s in ints.items()),
            helper.make_tensor_value_info("counts", INT64, [3]),
        ],
        [
            helper.make_tensor_value_info(n, t, [f"{n}{i}" for i in range(rank)])
            for n, t, rank in [
                ("expanded", FLOAT, 2),
                ("gathered", FLOAT, 2),
                ("tiled", FLOAT, 2),
                ("divided", INT64, 1),
                ("top", FLOAT, 2),
                ("top_i", INT64, 2),
                ("reshaped", FLOAT, 3),
            ]
        ],
    )
    drawn = random_inputs(ModelWrapper(proto), seed=1)
    assert np.all(drawn["divisor"] != 0) and np.all(drawn["repeats"] >= 1)
    assert np.all((drawn["indices"] >= -3) & (drawn["indices"] < 3))
    code, err = compile_(capsys, save(proto, tmp_path / "m.onnx"), "--verify", "-o", "o")
    assert code == 0, err
    verification = report(Path("o"))
    assert verification["status"] == "passed" and len(verification["inputs"]) == 3


def test_zero_length_dimension_and_nan_in_both(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = model(
        [helper.make_node("Relu", ["x"], ["y"])],
        [helper.make_tensor_value_info("x", FLOAT, [0, 3])],
        [helper.make_tensor_value_info("y", FLOAT, [0, 3])],
    )
    assert random_inputs(ModelWrapper(empty))["x"].shape == (0, 3)
    code, err = compile_(capsys, save(empty, tmp_path / "e.onnx"), "--verify", "-o", "e")
    assert code == 0, err
    log = model(  # Log of values in [-1, 1]: NaN where negative, in both models
        [helper.make_node("Log", ["x"], ["y"])],
        [helper.make_tensor_value_info("x", FLOAT, [64])],
        [helper.make_tensor_value_info("y", FLOAT, [64])],
    )
    code, err = compile_(capsys, save(log, tmp_path / "l.onnx"), "--verify", "-o", "l")
    assert code == 0, err
    assert report(Path("l"))["max_abs_diff"] == 0.0
    # NaN on one side only is a difference
    other = model(
        [helper.make_node("Abs", ["x"], ["a"]), helper.make_node("Log", ["a"], ["y"])],
        [helper.make_tensor_value_info("x", FLOAT, [64])],
        [helper.make_tensor_value_info("y", FLOAT, [64])],
    )
    assert not verify(ModelWrapper(log), ModelWrapper(other)).passed


def test_sequence_and_string_models_verify_without_traceback(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    seq_type = helper.make_tensor_sequence_value_info("s", FLOAT, [2])
    sequence_in = model(
        [helper.make_node("SequenceAt", ["s", "zero"], ["y"])],
        [seq_type],
        [helper.make_tensor_value_info("y", FLOAT, [2])],
        (numpy_helper.from_array(np.array(0, dtype=np.int64), "zero"),),
    )
    strings = model(
        [helper.make_node("Concat", ["x", "z"], ["y"], axis=0)],
        [
            helper.make_tensor_value_info("x", TensorProto.STRING, [3]),
            helper.make_tensor_value_info("z", TensorProto.STRING, [3]),
        ],
        [helper.make_tensor_value_info("y", TensorProto.STRING, [6])],
    )
    for name, proto in (("seq", sequence_in), ("str", strings)):
        code, err = compile_(capsys, save(proto, tmp_path / f"{name}.onnx"), "--verify", "-o", name)
        assert "Traceback" not in err
        assert code == 0, err
        assert report(Path(name))["status"] in ("passed", "unverifiable"), report(Path(name))


def test_reference_inputs_beside_the_model_and_inputs_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    source = save(int_div(), tmp_path / "div" / "model.onnx")
    flow = tmp_path / "flow.yaml"  # only passes that keep the integer Div
    flow.write_text("stages:\n  graph_cleanup: [InferShapes, GiveUniqueNodeNames]\n")
    data = source.parent / "test_data_set_0"
    data.mkdir()
    tensor = numpy_helper.from_array(np.array([10, 20, 30, 41], dtype=np.int64), "x")
    (data / "input_0.pb").write_bytes(tensor.SerializeToString())
    code, err = compile_(capsys, source, "-b", flow, "--verify", "-o", "r")
    assert code == 0, err
    assert report(Path("r"))["inputs"][0] == "test_data_set_0"
    np.savez(tmp_path / "in.npz", x=np.array([7, -7, 1, 0]))
    code, err = compile_(
        capsys, source, "-b", flow, "--verify", "--inputs", tmp_path / "in.npz", "-o", "n"
    )
    assert code == 0, err
    assert report(Path("n"))["inputs"] == [str(tmp_path / "in.npz")]
    np.savez(tmp_path / "bad.npz", z=np.zeros(4))
    code, err = compile_(
        capsys, source, "-b", flow, "--verify", "--inputs", tmp_path / "bad.npz", "-o", "b"
    )
    assert code == 2
    assert "unknown input(s) 'z'; missing input(s) 'x'" in err and "named: x" in err
    np.savez(tmp_path / "shape.npz", x=np.zeros(5))
    code, err = compile_(
        capsys, source, "-b", flow, "--verify", "--inputs", tmp_path / "shape.npz", "-o", "b"
    )
    assert code == 2 and "input 'x' has shape 5, the model's input is 4" in err
    assert not Path("b").joinpath("model.onnx").exists()


def test_blueprint_float_written_as_yaml_1_1_string_and_wrong_types(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    flow = tmp_path / "flow.yaml"
    flow.write_text(
        textwrap.dedent(
            """
            stages:
              graph_cleanup:
                - qonnx:RemoveIdentityOps: {atol: 1e-6}
                - GiveUniqueNodeNames: {prefix: 5}
                - FoldConstants: {exclude_op_types: Quant}
            """
        )
    )
    code, err = compile_(capsys, "--example", "-b", flow, "-o", "o")
    assert code == 2
    assert f"{flow}:5: stages.graph_cleanup[1]: qonnx:GiveUniqueNodeNames: option 'prefix' " in err
    assert "expects str, got int 5" in err
    assert (
        f"{flow}:6: stages.graph_cleanup[2]: qonnx:FoldConstants: option 'exclude_op_types'" in err
    )
    assert "RemoveIdentityOps" not in err  # 1e-6 is the float the user meant
    flow.write_text("stages:\n  graph_cleanup:\n    - qonnx:RemoveIdentityOps: {atol: 1e-6}\n")
    code, err = compile_(capsys, "--example", "-b", flow, "--verify", "-o", "o")
    assert code == 0, err
    applied = json.loads(Path("o", "compile_report.json").read_text())["transforms"]
    assert applied[0]["options"] == {"atol": 1e-6}


def test_steps_that_are_not_transformations(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], site: FakeSite
) -> None:
    site.manifest_plugin(
        "odd",
        site.transforms_manifest("NotAClass", "ReturnsModel"),
        files={
            "bsp_odd/transforms.py": """
                from qonnx.transformation.base import Transformation


                def NotAClass(model):
                    return model, False


                class ReturnsModel(Transformation):
                    def apply(self, model):
                        return model
                """
        },
    )
    flow = tmp_path / "flow.yaml"
    flow.write_text("stages:\n  graph_cleanup: [odd:NotAClass]\n")
    code, err = compile_(capsys, "--example", "-b", flow, "-o", "o")
    assert code == 2
    assert "odd:NotAClass (target bsp_odd.transforms:NotAClass" in err
    assert "is a function NotAClass, not a subclass of qonnx's Transformation" in err
    flow.write_text("stages:\n  graph_cleanup: [odd:ReturnsModel]\n")
    code, err = compile_(capsys, "--example", "-b", flow, "-o", "o")
    assert code == 1
    assert "transform odd:ReturnsModel" in err
    assert "apply() returned a ModelWrapper; a Transformation's apply(model) must return " in err


def test_a_map_input_is_reported_unverifiable() -> None:
    map_type = helper.make_map_type_proto(INT64, helper.make_tensor_type_proto(FLOAT, []))
    graph = helper.make_graph(
        [
            helper.make_node(
                "DictVectorizer", ["m"], ["y"], "dv", "", "ai.onnx.ml", int64_vocabulary=[1, 2]
            )
        ],
        "g",
        [helper.make_value_info("m", map_type)],
        [helper.make_tensor_value_info("y", FLOAT, [1, 2])],
    )
    proto = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 17), helper.make_opsetid("ai.onnx.ml", 3)]
    )
    result = verify(ModelWrapper(proto), ModelWrapper(proto))
    assert not result.verified and result.to_json()["status"] == "unverifiable"
    assert result.unverifiable == "input 'm' is a map, for which no values can be drawn"


@pytest.mark.parametrize(
    ("arrays", "message"),
    [
        ({"arr_x": np.array([1, 2, 3, 4])}, "unknown input(s) 'arr_x'; missing input(s) 'x'"),
        ({"arr_0": np.array([1, 2, 3, 4]), "arr_5": np.zeros(1)}, "unknown input(s) 'arr_5'"),
        ({"x": np.array([1.5, 2, 3, 4])}, "input 'x' is int64, but the array holds 1.5"),
        ({"x": np.array([1e30, 2, 3, 4])}, "input 'x' is int64, but the array holds 1e+30"),
        ({"x": np.array(["a", "b", "c", "d"])}, "input 'x' is int64, but the array is <U1"),
        ({"x": np.array([1 + 2j, 2, 3, 4])}, "complex values lose their imaginary part"),
    ],
)
def test_inputs_file_that_does_not_fit_is_refused_not_cast_or_dropped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], arrays: dict[str, Any], message: str
) -> None:
    """A name numpy did not give, an array past the last input, and values the input's
    integer type cannot hold: each a message (exit 2), never a traceback, a silently dropped
    array or a silently truncated value."""
    source = save(int_div(), tmp_path / "div.onnx")
    np.savez(tmp_path / "in.npz", **arrays)
    code, err = compile_(capsys, source, "--verify", "--inputs", tmp_path / "in.npz", "-o", "o")
    assert code == 2, err
    assert message in err and "Traceback" not in err and "RuntimeWarning" not in err
    assert not Path("o").joinpath("model.onnx").exists()


@pytest.mark.parametrize(
    ("write", "message"),
    [
        (lambda p: np.save(p, np.zeros(4)), "the file holds one array (numpy.save), not named"),
        (lambda p: p.write_bytes(b"PK\x03\x04 cut short"), "File is not a zip file"),
    ],
    ids=["npy", "truncated"],
)
def test_inputs_file_that_is_no_npz_archive_is_a_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], write: Any, message: str
) -> None:
    """A ``.npy`` file and a truncated archive (both were tracebacks)."""
    source = save(int_div(), tmp_path / "div.onnx")
    given = tmp_path / "in.npz"
    write(given)
    given = next(tmp_path.glob("in.np*"))  # numpy.save appends .npy
    code, err = compile_(capsys, source, "--verify", "--inputs", given, "-o", "o")
    assert code == 2, err
    assert f"{given}: cannot read the verification inputs: {message}" in err
    assert "Traceback" not in err


def test_quiet_hides_onnxruntime_and_qonnx_load_warnings(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """qonnx warns while wrapping a model with old-style domains, and its channels_last ops
    run onnxruntime sessions of their own whose C++ logger writes warnings to stderr: under
    --quiet nothing is printed (the Python warning goes to the report)."""
    scalar = [
        numpy_helper.from_array(np.array(v, dtype=np.float32), n)
        for n, v in (("scale", 0.5), ("zero", 0.0), ("bits", 4.0))
    ]
    quant = helper.make_node(
        "Quant",
        ["x", "scale", "zero", "bits"],
        ["q"],
        domain="finn.custom_op.general",
        signed=1,
        narrow=0,
        rounding_mode="ROUND",
    )
    pool = helper.make_node(
        "MaxPool",
        ["q"],
        ["y"],
        domain="qonnx.custom_op.channels_last",
        kernel_shape=[2, 2],
        pads=[0, 0, 0, 0],
        strides=[2, 2],
    )
    graph = helper.make_graph(
        [quant, pool],
        "g",
        [helper.make_tensor_value_info("x", FLOAT, [1, 4, 4, 2])],
        [helper.make_tensor_value_info("y", FLOAT, [1, 2, 2, 2])],
        initializer=scalar,
        value_info=[helper.make_tensor_value_info("q", FLOAT, [1, 4, 4, 2])],
    )
    proto = helper.make_model(
        graph,
        opset_imports=[
            helper.make_opsetid("", 13),
            helper.make_opsetid("finn.custom_op.general", 1),
            helper.make_opsetid("qonnx.custom_op.channels_last", 1),
        ],
    )
    proto.ir_version = 8
    source = save(proto, tmp_path / "cl.onnx")
    code = main(["compile", str(source), "--verify", "--quiet", "-o", "o"])
    out, err = capfd.readouterr()
    assert code == 0, err
    assert (out, err) == ("", "")
    warnings = json.loads(Path("o/compile_report.json").read_text())["warnings"]
    assert any("old-style domain" in w and "modelwrapper.py" in w for w in warnings), warnings


def test_a_graph_input_that_is_also_a_graph_output_is_refused_with_its_name(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Valid ONNX (onnxruntime runs it) that qonnx cannot wrap: a message before compiling
    (exit 2), not qonnx's AssertionError as a traceback."""
    x = helper.make_tensor_value_info("x", FLOAT, [3])
    y = helper.make_tensor_value_info("y", FLOAT, [3])
    source = save(model([helper.make_node("Relu", ["x"], ["y"])], [x], [y, x]), tmp_path / "m.onnx")
    code, err = compile_(capsys, source, "--verify", "-o", "o")
    assert code == 2, err
    assert "tensor 'x' is both a graph input and a graph output" in err
    assert "fix: give the output its own name" in err and "Traceback" not in err
    assert not Path("o").exists()
