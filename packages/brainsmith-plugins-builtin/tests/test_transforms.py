"""brainsmith's builtin transforms: each changes the graph as documented and keeps its value."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from brainsmith import compile_model
from brainsmith.compile import random_inputs, run_model
from brainsmith.examples import example_model, mlp_model
from brainsmith.testing import assert_preserves_outputs
from brainsmith_builtin.transforms.graph_cleanup.remove_identity import RemoveIdentity
from brainsmith_builtin.transforms.graph_cleanup.strip_doc_strings import StripDocStrings
from brainsmith_builtin.transforms.topology_optimization.expand_norms import ExpandNorms
from brainsmith_builtin.transforms.topology_optimization.fuse_scalar_muls import FuseScalarMuls
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper


def outputs(model: ModelWrapper, seed: int = 0) -> list[np.ndarray]:
    return run_model(model, random_inputs(model, seed))


def layernorm_model(axis: int, bias: bool, opset: int) -> onnx.ModelProto:
    rng = np.random.default_rng(1)
    shape = [2, 3, 4]
    norm_shape = shape[axis:]
    inits = [numpy_helper.from_array(rng.uniform(0.5, 2, norm_shape).astype(np.float32), "g")]
    inputs = ["x", "g"]
    if bias:
        inits.append(
            numpy_helper.from_array(rng.uniform(-1, 1, norm_shape).astype(np.float32), "b")
        )
        inputs.append("b")
    node = helper.make_node("LayerNormalization", inputs, ["y"], name="ln", axis=axis, epsilon=1e-3)
    graph = helper.make_graph(
        [node],
        "ln",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, shape)],
        initializer=inits,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", opset)])


@pytest.mark.parametrize(
    ("axis", "bias", "opset"),
    [(-1, True, 17), (-2, False, 17), (1, True, 17), (-1, True, 18), (2, False, 18)],
)
def test_expand_norms_is_numerically_equivalent(axis: int, bias: bool, opset: int) -> None:
    original = ModelWrapper(layernorm_model(axis, bias, opset))
    for seed in range(3):
        inputs = random_inputs(original, seed)
        expanded = assert_preserves_outputs(ExpandNorms(), original, inputs, atol=1e-5)
    ops = [n.op_type for n in expanded.graph.node]
    assert "LayerNormalization" not in ops
    assert ops.count("ReduceMean") == 2 and {"Sub", "Pow", "Sqrt", "Div", "Mul"} <= set(ops)
    assert ("Add" in ops[-1:]) == bias
    onnx.checker.check_model(expanded.model)


def test_expand_norms_on_the_example_keeps_the_function() -> None:
    original = ModelWrapper(example_model())
    expanded = assert_preserves_outputs(ExpandNorms, original, random_inputs(original), atol=1e-5)
    assert not expanded.get_nodes_by_op_type("LayerNormalization")


def test_remove_identity_rewires_consumers_and_graph_outputs() -> None:
    original = ModelWrapper(example_model())
    cleaned = assert_preserves_outputs(RemoveIdentity, original, random_inputs(original))
    assert not cleaned.get_nodes_by_op_type("Identity")
    assert len(cleaned.graph.node) == len(original.graph.node) - 1
    # an Identity producing the graph output: its producer takes the output's name
    proto = mlp_model(2)
    last = proto.graph.output[0].name
    proto.graph.node[-1].output[0] = "pre"
    proto.graph.node.append(helper.make_node("Identity", ["pre"], [last], name="id"))
    model = ModelWrapper(proto)
    result = assert_preserves_outputs(RemoveIdentity, model, random_inputs(model))
    assert not result.get_nodes_by_op_type("Identity")
    assert result.graph.node[-1].output[0] == last


def test_remove_identity_keeps_input_to_output_copy() -> None:
    graph = helper.make_graph(
        [helper.make_node("Identity", ["x"], ["y"])],
        "copy",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
    )
    model = ModelWrapper(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    assert len(model.transform(RemoveIdentity()).graph.node) == 1


def _outer_scope_model() -> onnx.ModelProto:
    """``y = If(sum(x) > 0, x + c, x * c)`` where both bodies read ``copied = Identity(c)``
    from the outer scope (the kind of onnx's *_expanded function tests)."""

    def branch(name: str, op: str) -> onnx.GraphProto:
        node = helper.make_node(op, ["x", "copied"], [f"{name}_out"])
        out = helper.make_tensor_value_info(f"{name}_out", TensorProto.FLOAT, [2])
        return helper.make_graph([node], name, [], [out])

    nodes = [
        helper.make_node("Identity", ["c"], ["copied"]),
        helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
        helper.make_node("Greater", ["s", "zero"], ["cond"]),
        helper.make_node(
            "If",
            ["cond"],
            ["y"],
            then_branch=branch("then", "Add"),
            else_branch=branch("else", "Mul"),
        ),
    ]
    constants = [
        numpy_helper.from_array(np.array([1.5, -2.0], dtype=np.float32), "c"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "zero"),
    ]
    graph = helper.make_graph(
        nodes,
        "outer_scope",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
        constants,
    )
    return helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])


def test_remove_identity_rewires_readers_inside_subgraph_bodies() -> None:
    proto = _outer_scope_model()
    result = ModelWrapper(onnx.ModelProto.FromString(proto.SerializeToString()))
    result, _ = RemoveIdentity().apply(result)
    onnx.checker.check_model(result.model, full_check=True)
    assert not result.get_nodes_by_op_type("Identity")
    before, after = (
        ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        for m in (proto, result.model)
    )
    for x in (np.array([1.0, 2.0], dtype=np.float32), np.array([-1.0, -2.0], dtype=np.float32)):
        np.testing.assert_array_equal(before.run(None, {"x": x})[0], after.run(None, {"x": x})[0])


def test_a_compile_keeps_what_only_a_subgraph_body_reads(tmp_path: Path) -> None:
    """The default blueprint's cleanup counts an outer initializer read only inside a body as
    used (qonnx's RemoveUnusedTensors drops it)."""
    result = compile_model(_outer_scope_model(), output_dir=tmp_path, verify=True)
    assert result.verification is not None and result.verification.passed
    onnx.checker.check_model(onnx.load(tmp_path / "model.onnx"), full_check=True)


def test_strip_doc_strings() -> None:
    proto = example_model()
    proto.graph.doc_string = "exported by hand"
    for node in proto.graph.node:
        node.doc_string = "Traceback ..."
    stripped = ModelWrapper(proto).transform(StripDocStrings())
    assert all(not n.doc_string for n in stripped.graph.node) and not stripped.graph.doc_string
    kept = ModelWrapper(proto).transform(StripDocStrings(keep_graph=True))
    assert kept.graph.doc_string == "exported by hand"


def test_fuse_scalar_muls() -> None:
    nodes = [
        helper.make_node("Mul", ["x", "a"], ["t"], name="m1"),
        helper.make_node("Mul", ["t", "b"], ["u"], name="m2"),
        helper.make_node("Mul", ["u", "c"], ["y"], name="m3"),
    ]
    graph = helper.make_graph(
        nodes,
        "muls",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])],
        initializer=[
            numpy_helper.from_array(np.array(2.0, dtype=np.float32), "a"),
            numpy_helper.from_array(np.array([3.0], dtype=np.float32), "b"),
            numpy_helper.from_array(np.array([1.0, 2.0, 3.0], dtype=np.float32), "c"),
        ],
    )
    model = ModelWrapper(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    fused = assert_preserves_outputs(FuseScalarMuls, model, random_inputs(model), atol=1e-6)
    # a and b fuse; c is not a scalar
    assert [n.name for n in fused.graph.node] == ["m2", "m3"]
    np.testing.assert_allclose(fused.get_initializer("b"), [6.0])


def test_fuse_scalar_muls_leaves_a_shared_constant_alone() -> None:
    nodes = [
        helper.make_node("Mul", ["x", "a"], ["t"], name="m1"),
        helper.make_node("Mul", ["t", "b"], ["u"], name="m2"),
        helper.make_node("Mul", ["x", "b"], ["v"], name="m3"),
        helper.make_node("Add", ["u", "v"], ["y"], name="add"),
    ]
    graph = helper.make_graph(
        nodes,
        "shared",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [3])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [3])],
        initializer=[
            numpy_helper.from_array(np.array(2.0, dtype=np.float32), "a"),
            numpy_helper.from_array(np.array(3.0, dtype=np.float32), "b"),
        ],
    )
    model = ModelWrapper(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)]))
    fused = model.transform(FuseScalarMuls(), cleanup=False)
    assert [n.name for n in fused.graph.node] == ["m1", "m2", "m3", "add"]
    np.testing.assert_allclose(outputs(fused)[0], outputs(model)[0])
