"""--verify executes a model with custom ops node by node: its shapes are inferred once for
every input set, not once per run."""

from __future__ import annotations

from typing import Any

import pytest
from brainsmith.compile import random_inputs, verify
from brainsmith.examples import mlp_model
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_shapes import InferShapes


def test_shapes_are_inferred_once_per_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each custom node is asked for its shape stand-in once per model, not once per run."""
    from qonnx.transformation import infer_shapes

    calls: list[str] = []
    stand_in = infer_shapes._make_shape_compatible_op

    def counting(node: Any, model: Any) -> Any:
        calls.append(node.name)
        return stand_in(node, model)

    monkeypatch.setattr(infer_shapes, "_make_shape_compatible_op", counting)
    proto = mlp_model(3, quantized=True)  # two Quant nodes per layer
    del proto.graph.value_info[:]
    original = ModelWrapper(proto.SerializeToString())
    compiled = ModelWrapper(proto.SerializeToString())
    result = verify(original, compiled)
    assert result.passed and result.verified
    assert len(result.inputs) >= 3
    assert len(calls) == 2 * 6  # once for each model, whatever the number of input sets


def _annotated_thresholds() -> Any:
    """Quant → MatMul → MultiThreshold (UINT2, annotated) → Mul → Quant, as the lowering
    writes it: a standard node's output with an integer datatype is sanitized mid-graph."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    quant = "qonnx.custom_op.general"
    inits = [
        numpy_helper.from_array(np.array(0.25, dtype=np.float32), "s"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "z"),
        numpy_helper.from_array(np.array(4.0, dtype=np.float32), "b"),
        numpy_helper.from_array(np.eye(4, dtype=np.float32) * 4, "w"),
        numpy_helper.from_array(np.array([[0.5, 1.5, 2.5]] * 4, dtype=np.float32), "t"),
        numpy_helper.from_array(np.array(1.0, dtype=np.float32), "one"),
    ]
    nodes = [
        helper.make_node("Quant", ["x", "s", "z", "b"], ["q"], domain=quant, signed=1, narrow=0),
        helper.make_node("MatMul", ["q", "w"], ["m"]),
        helper.make_node("Mul", ["m", "one"], ["m1"]),
        helper.make_node("MultiThreshold", ["m1", "t"], ["th"], domain=quant, out_dtype="UINT2"),
        helper.make_node("Add", ["th", "one"], ["a"]),
        helper.make_node("Relu", ["a"], ["y"]),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        inits,
    )
    model = ModelWrapper(
        helper.make_model(
            graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(quant, 1)]
        ).SerializeToString()
    )
    model = model.transform(InferShapes())
    from qonnx.core.datatype import DataType

    model.set_tensor_datatype("m", DataType["INT8"])  # a standard node's integer output
    model.set_tensor_datatype("a", DataType["UINT3"])
    return model


@pytest.mark.parametrize("case", ["mlp", "example", "thresholds"])
def test_segments_equal_qonnx_node_by_node(case: str) -> None:
    import numpy as np
    from brainsmith.compile._segments import Segments, segmentable
    from brainsmith.examples import example_model
    from qonnx.core.onnx_exec import execute_onnx

    if case == "thresholds":
        model = _annotated_thresholds()
    else:
        proto = mlp_model(4, quantized=True) if case == "mlp" else example_model()
        model = ModelWrapper(proto.SerializeToString()).transform(InferShapes())
    assert segmentable(model)
    segments = Segments(model)
    for seed in range(3):
        feed = random_inputs(model, seed)
        expected = execute_onnx(model, dict(feed))
        got = segments.run(feed)
        for output, value in zip(model.graph.output, got, strict=True):
            np.testing.assert_array_equal(value, expected[output.name])


def test_onnxruntime_sessions_are_built_once_per_model(monkeypatch: pytest.MonkeyPatch) -> None:
    """qonnx builds one session per standard node per run; verify builds one per segment."""
    import onnxruntime as ort

    built: list[int] = []
    session = ort.InferenceSession

    def counting(*args: Any, **kwargs: Any) -> Any:
        built.append(1)
        return session(*args, **kwargs)

    monkeypatch.setattr(ort, "InferenceSession", counting)
    proto = mlp_model(3, quantized=True)  # per layer: Quant, Quant, MatMul, Add, Relu
    original = ModelWrapper(proto.SerializeToString())
    compiled = ModelWrapper(proto.SerializeToString())
    result = verify(original, compiled)
    assert result.passed and len(result.inputs) >= 3
    # the Quants (constant parameters) run as standard ops: one session per model
    assert len(built) == 2


def _bipolar_weights() -> Any:
    """x → MatMul(BipolarQuant(w)) → Quant: a custom node reading only constants (folded
    once when the model is prepared) and one reading the graph input."""
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper

    quant = "qonnx.custom_op.general"
    rng = np.random.default_rng(0)
    inits = [
        numpy_helper.from_array(rng.normal(size=(4, 3)).astype(np.float32), "w"),
        numpy_helper.from_array(np.array(0.5, dtype=np.float32), "ws"),
        numpy_helper.from_array(np.array(0.25, dtype=np.float32), "s"),
        numpy_helper.from_array(np.array(0.0, dtype=np.float32), "z"),
        numpy_helper.from_array(np.array(3.0, dtype=np.float32), "b"),
    ]
    nodes = [
        helper.make_node("BipolarQuant", ["w", "ws"], ["wq"], domain=quant),
        helper.make_node("MatMul", ["x", "wq"], ["m"]),
        helper.make_node("Quant", ["m", "s", "z", "b"], ["y"], domain=quant, signed=1, narrow=0),
    ]
    graph = helper.make_graph(
        nodes,
        "g",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 3])],
        inits,
    )
    proto = helper.make_model(
        graph, opset_imports=[helper.make_opsetid("", 13), helper.make_opsetid(quant, 1)]
    )
    return ModelWrapper(proto.SerializeToString()).transform(InferShapes())


@pytest.mark.parametrize("case", ["mlp", "bipolar"])
def test_custom_nodes_reading_only_constants_run_once(case: str) -> None:
    """A weight's quantizer is executed when the model is prepared, not on every run (and
    not in the session): the outputs stay exactly qonnx's."""
    import numpy as np
    from brainsmith.compile._segments import Segments, _Custom
    from qonnx.core.onnx_exec import execute_onnx

    if case == "mlp":
        proto = mlp_model(3, quantized=True)
        model = ModelWrapper(proto.SerializeToString()).transform(InferShapes())
    else:
        model = _bipolar_weights()
    weight_quants = [
        n.output[0]
        for n in model.graph.node
        if n.domain and all(name in {t.name for t in model.graph.initializer} for name in n.input)
    ]
    assert weight_quants
    segments = Segments(model)
    assert all(name in segments.constants for name in weight_quants)
    run_in_steps = {
        name
        for step in segments.steps
        for name in (step.node.output if isinstance(step, _Custom) else step.outputs)
    }
    assert not run_in_steps & set(weight_quants)
    for seed in range(3):
        feed = random_inputs(model, seed)
        expected = execute_onnx(model, dict(feed))
        for output, value in zip(model.graph.output, segments.run(feed), strict=True):
            np.testing.assert_array_equal(value, expected[output.name])


def test_shape_stand_ins_are_asked_through_an_index(monkeypatch: pytest.MonkeyPatch) -> None:
    """Preparing a model without shapes never calls qonnx's scanning lookups (one graph scan
    per call: quadratic on a QONNX network, whose Quants each ask for a value info)."""
    from brainsmith.compile._run import with_shapes

    scans: list[str] = []
    scanning = ModelWrapper.get_tensor_valueinfo

    def counting(self: Any, name: str) -> Any:
        scans.append(name)
        return scanning(self, name)

    proto = mlp_model(3, quantized=True)
    del proto.graph.value_info[:]
    model = ModelWrapper(proto.SerializeToString())
    monkeypatch.setattr(ModelWrapper, "get_tensor_valueinfo", counting)
    runnable = with_shapes(model)
    assert runnable is not model and len(runnable.graph.value_info) > 0
    assert scans == []
