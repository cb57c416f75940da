"""The executor's cleanup equals qonnx's ``ModelWrapper.cleanup()`` byte for byte; its
GiveUniqueParameterTensors runs in one sweep (qonnx's scans the graph per shared use)."""

from __future__ import annotations

import copy
import random
from pathlib import Path

import numpy as np
import onnx
import pytest
from brainsmith.compile import Executor, Plan, Step
from brainsmith.compile._cleanup import cleanup
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.datatype import DataType
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_shapes import InferShapes

QUANT = "qonnx.custom_op.general"


def shared_quant_params(layers: int, *, weights: bool = False) -> onnx.ModelProto:
    """Quant → MatMul → Relu layers whose Quant nodes all read the same scale, zero point and
    bit width (what qonnx's cleanup gives each use a copy of)."""
    nodes, inits, x = [], [], "x"
    inits += [
        numpy_helper.from_array(np.array(0.125, dtype=np.float32), "scale"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zp"),
        numpy_helper.from_array(np.array(4.0, dtype=np.float32), "bits"),
    ]
    for i in range(layers):
        w = np.eye(4, dtype=np.float32) * (1 + i % 3)
        inits.append(numpy_helper.from_array(w, f"w{i}"))
        weight = f"w{i}"
        nodes.append(
            helper.make_node(
                "Quant", [x, "scale", "zp", "bits"], [f"q{i}"], domain=QUANT, signed=1, narrow=0
            )
        )
        if weights:  # a node of constants after a dynamic one: SortGraph moves it ahead
            weight = f"qw{i}"
            nodes.append(
                helper.make_node(
                    "Quant", [f"w{i}", "scale", "zp", "bits"], [weight], domain=QUANT, signed=1
                )
            )
        nodes += [
            helper.make_node("MatMul", [f"q{i}", weight], [f"m{i}"]),
            helper.make_node("Relu", [f"m{i}"], [f"h{i}"]),
        ]
        x = f"h{i}"
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info(x, TensorProto.FLOAT, [1, 4])],
        inits,
    )
    return helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(QUANT, 1)]
    )


def annotated_shared() -> ModelWrapper:
    """A shared initializer annotated INT4, one float16 shared one, an unsorted node list."""
    model = ModelWrapper(shared_quant_params(3).SerializeToString())
    model.set_tensor_datatype("scale", DataType["INT4"])
    half = numpy_helper.from_array(np.ones((1, 4), dtype=np.float16), "half")
    model.graph.initializer.append(half)
    for name in ("a", "b"):
        model.graph.node.append(helper.make_node("Cast", ["half"], [name], to=TensorProto.FLOAT))
    model.graph.node.append(model.graph.node.pop(0))
    return model


CASES = {
    "quant mlp, shapes inferred": lambda: ModelWrapper(
        shared_quant_params(6).SerializeToString()
    ).transform(InferShapes()),
    "quant mlp, bare": lambda: ModelWrapper(shared_quant_params(6).SerializeToString()),
    "quant mlp, weight quants": lambda: ModelWrapper(
        shared_quant_params(6, weights=True).SerializeToString()
    ),
    "annotated, float16, unsorted": annotated_shared,
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 7])
def test_cleanup_equals_qonnx(name: str, seed: int) -> None:
    model = CASES[name]()
    random.seed(seed)
    expected = copy.deepcopy(model).cleanup().model.SerializeToString()
    random.seed(seed)
    got = cleanup(copy.deepcopy(model)).model.SerializeToString()
    assert got == expected


def test_unique_parameters_never_scans_the_graph_per_copy(monkeypatch: pytest.MonkeyPatch) -> None:
    """qonnx's pass calls get_all_tensor_names and set_initializer once per copy; ours never."""
    calls = []
    monkeypatch.setattr(
        ModelWrapper, "make_new_valueinfo_name", lambda self: calls.append(1) or "never"
    )
    model = ModelWrapper(shared_quant_params(5).SerializeToString())
    cleaned = cleanup(model)
    assert calls == []
    uses = [name for node in cleaned.graph.node for name in node.input]
    initializers = [t.name for t in cleaned.graph.initializer]
    assert len(set(initializers)) == len(initializers)
    assert len([u for u in uses if u in set(initializers)]) == len(initializers)


def test_executor_uses_the_sweep() -> None:
    """A no-op transform on a model with shared parameters: the executor's cleanup gives the
    model qonnx's cleanup gives it."""

    class Nothing:
        def apply(self, model: ModelWrapper) -> tuple[ModelWrapper, bool]:
            return model, False

    data = shared_quant_params(4).SerializeToString()
    random.seed(0)
    expected = ModelWrapper(data).transform(Nothing()).model.SerializeToString()  # type: ignore[arg-type]
    plan = Plan((("graph_cleanup", (Step("graph_cleanup", "test:Nothing", Nothing),)),))
    result = Executor(plan).run(ModelWrapper(data))
    assert result.model.model.SerializeToString() == expected


def test_sort_graph_never_scans_for_producers(monkeypatch: pytest.MonkeyPatch) -> None:
    """The weight Quant nodes move ahead (qonnx's SortGraph order), without find_producer."""
    data = shared_quant_params(5, weights=True).SerializeToString()
    random.seed(0)
    expected = ModelWrapper(data).cleanup().model.SerializeToString()
    calls: list[str] = []
    monkeypatch.setattr(ModelWrapper, "find_producer", lambda self, name: calls.append(name))
    random.seed(0)
    got = cleanup(ModelWrapper(data))
    assert calls == []
    assert got.model.SerializeToString() == expected


def _body_reads_outer(constant_first: bool) -> onnx.ModelProto:
    """``y = If(cond, x + one, x - one)`` where ``one`` (a Constant node) and ``k`` (an
    initializer) are read only inside the bodies — onnx's *_expanded function tests."""

    def body(name: str, op: str) -> onnx.GraphProto:
        nodes = [
            helper.make_node(op, ["x", "one"], [f"{name}_a"]),
            helper.make_node("Mul", [f"{name}_a", "k"], [f"{name}_out"]),
        ]
        out = helper.make_tensor_value_info(f"{name}_out", TensorProto.FLOAT, [2])
        return helper.make_graph(nodes, name, [], [out])

    constant = helper.make_node(
        "Constant", [], ["one"], value=numpy_helper.from_array(np.ones(2, np.float32))
    )
    rest = [
        helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
        helper.make_node("Greater", ["s", "zero"], ["cond"]),
    ]
    branch = helper.make_node(
        "If", ["cond"], ["y"], then_branch=body("then", "Add"), else_branch=body("else", "Sub")
    )
    nodes = [constant, *rest, branch] if constant_first else [*rest, constant, branch]
    graph = helper.make_graph(
        nodes,
        "outer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
        [
            numpy_helper.from_array(np.array(0.0, np.float32), "zero"),
            numpy_helper.from_array(np.array([2.0, 3.0], np.float32), "k"),
        ],
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


@pytest.mark.parametrize("constant_first", [True, False])
def test_cleanup_keeps_what_only_a_subgraph_body_reads(constant_first: bool) -> None:
    """qonnx's cleanup drops the Constant node (SortGraph) and the initializer
    (RemoveUnusedTensors) that only the If bodies read; ours keeps both, in a valid order."""
    import onnxruntime as ort

    proto = _body_reads_outer(constant_first)
    model = cleanup(ModelWrapper(copy.deepcopy(proto)))
    assert len(model.graph.node) == 4 and {t.name for t in model.graph.initializer} >= {"k"}
    onnx.checker.check_model(model.model, full_check=True)
    x = {"x": np.array([1.0, -3.0], np.float32)}
    runs = [
        ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"]).run(None, x)
        for m in (proto, model.model)
    ]
    np.testing.assert_array_equal(runs[0][0], runs[1][0])


def test_an_initializer_that_is_a_graph_output_is_kept(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A valid model may list an initializer as an output (a constant the caller reads):
    qonnx's cleanup dropped it, the compiled model had an output nothing produces and the
    default blueprint refused to write it (exit 1)."""
    from brainsmith.cli import main

    graph = helper.make_graph(
        [helper.make_node("Relu", ["x"], ["y"])],
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [
            helper.make_tensor_value_info("y", TensorProto.FLOAT, [3]),
            helper.make_tensor_value_info("c", TensorProto.FLOAT, [2]),
        ],
        [numpy_helper.from_array(np.array([1.0, 2.0], dtype=np.float32), "c")],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    onnx.checker.check_model(proto, full_check=True)
    onnx.save(proto, tmp_path / "const_out.onnx")
    monkeypatch.chdir(tmp_path)
    code = main(["compile", "-q", "const_out.onnx", "--verify", "-o", "out"])
    assert code == 0, capsys.readouterr().err
    compiled = onnx.load(tmp_path / "out" / "model.onnx")
    (constant,) = [t for t in compiled.graph.initializer if t.name == compiled.graph.output[1].name]
    assert numpy_helper.to_array(constant).tolist() == [1.0, 2.0]
