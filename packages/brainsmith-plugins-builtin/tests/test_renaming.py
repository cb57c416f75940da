"""Tensor renaming renames every use of a tensor: a node reading one tensor twice, and
If/Loop/Scan bodies reading tensors of the outer graph (at any depth). Each kind is built with
onnx.helper, renamed, checked by onnx's full checker and executed by onnxruntime before and
after; and compiled through the real CLI with ``--verify``."""

from __future__ import annotations

import random
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import onnx
import onnxruntime as ort
import pytest
from brainsmith_builtin.qonnx_fast.give_readable_tensor_names import GiveReadableTensorNames
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.general import GiveUniqueNodeNames

OPSETS = [helper.make_opsetid("", 17)]


def _vi(name: str, kind: int = TensorProto.FLOAT, shape: list[int] | None = None) -> Any:
    return helper.make_tensor_value_info(name, kind, [1, 4] if shape is None else shape)


def _model(nodes: list[Any], inits: dict[str, Any] | None = None) -> onnx.ModelProto:
    initializers = [numpy_helper.from_array(v, k) for k, v in (inits or {}).items()]
    graph = helper.make_graph(nodes, "g", [_vi("x")], [_vi("y")], initializers)
    return helper.make_model(graph, opset_imports=OPSETS)


def mul_same_input_twice() -> onnx.ModelProto:
    """``Relu(x) -> r; Mul(r, r) -> y``."""
    return _model(
        [helper.make_node("Relu", ["x"], ["r"]), helper.make_node("Mul", ["r", "r"], ["y"])]
    )


def _loop_body(outer: str) -> Any:
    """A Loop body adding the outer tensor ``outer`` to its carried value each iteration."""
    return helper.make_graph(
        [
            helper.make_node("Identity", ["cond"], ["cond_out"]),
            helper.make_node("Add", ["acc", outer], ["acc_out"]),
        ],
        "body",
        [_vi("i", TensorProto.INT64, []), _vi("cond", TensorProto.BOOL, []), _vi("acc")],
        [_vi("cond_out", TensorProto.BOOL, []), _vi("acc_out")],
    )


def loop_body_reads_outer_scope() -> onnx.ModelProto:
    """``Relu(x) -> step``; a Loop of 3 iterations adding ``step``, read inside its body only."""
    return _model(
        [
            helper.make_node("Relu", ["x"], ["step"]),
            helper.make_node("Loop", ["n", "", "x"], ["looped"], body=_loop_body("step")),
            helper.make_node("Neg", ["looped"], ["y"]),
        ],
        {"n": np.array(3, dtype=np.int64)},
    )


def if_nested_in_loop() -> onnx.ModelProto:
    """An If inside a Loop body whose branches read a tensor two scopes out; the body's own
    tensors keep their names."""

    def branch(name: str, op: str) -> Any:
        return helper.make_graph(
            [helper.make_node(op, ["acc", "step"], [f"{name}_y"])], name, [], [_vi(f"{name}_y")]
        )

    body = helper.make_graph(
        [
            helper.make_node("Identity", ["cond"], ["cond_out"]),
            helper.make_node(
                "If",
                ["cond"],
                ["acc_out"],
                then_branch=branch("then", "Add"),
                else_branch=branch("else", "Sub"),
            ),
            helper.make_node("Relu", ["acc"], ["local"]),
            helper.make_node("Identity", ["local"], ["extra"]),
        ],
        "body",
        [_vi("i", TensorProto.INT64, []), _vi("cond", TensorProto.BOOL, []), _vi("acc")],
        [_vi("cond_out", TensorProto.BOOL, []), _vi("acc_out"), _vi("extra")],
    )
    return _model(
        [
            helper.make_node("Relu", ["x"], ["step"]),
            helper.make_node("Loop", ["n", "go", "x"], ["looped", "scan"], body=body),
            helper.make_node("Add", ["looped", "step"], ["y"]),
        ],
        {"n": np.array(2, dtype=np.int64), "go": np.array(True)},
    )


KINDS: dict[str, Callable[[], onnx.ModelProto]] = {
    "mul same input twice": mul_same_input_twice,
    "loop body reads outer scope": loop_body_reads_outer_scope,
    "if nested in loop": if_nested_in_loop,
}


def _execute(proto: onnx.ModelProto, x: Any) -> Any:
    session = ort.InferenceSession(proto.SerializeToString(), providers=["CPUExecutionProvider"])
    return session.run(None, {session.get_inputs()[0].name: x})[0]


def _every_name_used(graph: Any, known: set[str]) -> None:
    """Every tensor a node reads is known in its scope (recursively)."""
    known = known | {t.name for t in graph.input} | {t.name for t in graph.initializer}
    for node in graph.node:
        for name in node.input:
            assert not name or name in known, f"{node.name or node.op_type} reads unknown {name!r}"
        for attribute in node.attribute:
            for body in [attribute.g] if attribute.type == onnx.AttributeProto.GRAPH else []:
                _every_name_used(body, known)
        known |= set(node.output)


@pytest.mark.parametrize("name", sorted(KINDS))
def test_renaming_renames_every_use(name: str) -> None:
    proto = KINDS[name]()
    onnx.checker.check_model(proto, full_check=True)
    x = np.linspace(-1.0, 1.0, 4, dtype=np.float32).reshape(1, 4)
    expected = _execute(proto, x)
    random.seed(0)
    model = ModelWrapper(proto.SerializeToString()).transform(GiveUniqueNodeNames(), cleanup=False)
    renamed = model.transform(GiveReadableTensorNames()).model
    _every_name_used(renamed.graph, set())
    onnx.checker.check_model(renamed, full_check=True)
    assert renamed.graph.input[0].name == "global_in"
    assert renamed.graph.output[0].name == "global_out"
    np.testing.assert_allclose(_execute(renamed, x), expected)


def test_body_local_names_are_not_renamed() -> None:
    random.seed(0)
    model = ModelWrapper(if_nested_in_loop().SerializeToString())
    model = model.transform(GiveUniqueNodeNames()).transform(GiveReadableTensorNames())
    body = model.graph.node[1].attribute[0].g
    relu, identity = body.node[2], body.node[3]
    assert list(relu.output) == ["local"] and list(identity.input) == ["local"]
    branch_reads = [n.input[1] for a in body.node[1].attribute for n in a.g.node]
    assert branch_reads == ["Relu_0_out0", "Relu_0_out0"]


@pytest.mark.parametrize("name", sorted(KINDS))
def test_cli_compiles_and_verifies(name: str, tmp_path: Path) -> None:
    source = tmp_path / "model.onnx"
    onnx.save(KINDS[name](), source)
    out = tmp_path / "out"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "brainsmith.cli",
            "compile",
            str(source),
            "-o",
            str(out),
            "--verify",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    compiled = onnx.load(out / "model.onnx")
    onnx.checker.check_model(compiled, full_check=True)
    _every_name_used(compiled.graph, set())


def test_renaming_keeps_a_constant_only_a_subgraph_body_reads() -> None:
    """Renaming ends in a cleanup; qonnx's drops a Constant node that only an If body reads
    (and that comes after a node it does not depend on), ours keeps it."""
    body = helper.make_graph(
        [helper.make_node("Add", ["x", "one"], ["b_out"])],
        "body",
        [],
        [helper.make_tensor_value_info("b_out", TensorProto.FLOAT, [2])],
    )
    nodes = [
        helper.make_node("ReduceSum", ["x"], ["s"], keepdims=0),
        helper.make_node("Greater", ["s", "zero"], ["cond"]),
        helper.make_node(
            "Constant", [], ["one"], value=numpy_helper.from_array(np.ones(2, np.float32))
        ),
        helper.make_node("If", ["cond"], ["y"], then_branch=body, else_branch=body),
    ]
    graph = helper.make_graph(
        nodes,
        "outer",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2])],
        [numpy_helper.from_array(np.array(0.0, np.float32), "zero")],
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)])
    model = ModelWrapper(proto.SerializeToString()).transform(GiveUniqueNodeNames(), cleanup=False)
    renamed, _ = GiveReadableTensorNames().apply(model)
    onnx.checker.check_model(renamed.model, full_check=True)
    assert len(renamed.graph.node) == 4
    x = np.array([1.0, -3.0], np.float32)
    before, after = (
        ort.InferenceSession(m.SerializeToString(), providers=["CPUExecutionProvider"])
        for m in (proto, renamed.model)
    )
    renamed_input = renamed.graph.input[0].name
    np.testing.assert_array_equal(
        before.run(None, {"x": x})[0], after.run(None, {renamed_input: x})[0]
    )
