"""Lowering Brevitas-like QONNX graphs: executed before and after, integers between the
thresholds equal bit for bit, float outputs within 1e-5, and no float compute left."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from brainsmith_builtin.transforms.lowering.lower import Lower
from brainsmith_builtin.transforms.lowering.notes import lowering_notes
from brainsmith_builtin.transforms.lowering.quant_act_to_multithreshold import (
    QuantActToMultiThreshold,
)
from lowering_models import QONNX, GraphBuilder, cnn, mlp
from onnx import TensorProto, helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.infer_shapes import InferShapes

REPO_ROOT = Path(__file__).resolve().parents[4]
BREVITAS_EXPORTS = sorted((REPO_ROOT / "tests" / "models" / "brevitas").glob("*/*.onnx"))
FLOAT_BODY_OPS = {"Quant", "BipolarQuant", "BatchNormalization", "Gemm", "Conv", "Relu", "Sub"}


@pytest.fixture(autouse=True)
def _quiet_qonnx() -> None:
    warnings.filterwarnings("ignore", message=".*GemmToMatMul.*")


def lower(model: ModelWrapper) -> ModelWrapper:
    return model.transform(Lower())


def run_all(model: ModelWrapper, x: np.ndarray) -> dict[str, np.ndarray]:
    name = model.graph.input[0].name
    return dict(execute_onnx(model, {name: x}, return_full_exec_context=True))


def activation_levels(model: ModelWrapper, context: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The integer level of every activation quantizer of the original model, in graph order."""
    levels = []
    for node in model.graph.node:
        if node.op_type not in ("Quant", "BipolarQuant"):
            continue
        if model.get_initializer(node.input[0]) is not None:
            continue
        scale = model.get_initializer(node.input[1])
        zero = model.get_initializer(node.input[2]) if node.op_type == "Quant" else 0.0
        levels.append(np.round(context[node.output[0]] / scale + zero))
    return levels


def threshold_levels(model: ModelWrapper, context: dict[str, np.ndarray]) -> list[np.ndarray]:
    """The output of every MultiThreshold of the lowered model, back in NCHW, in graph order."""
    levels = []
    for node in model.graph.node:
        if node.op_type == "MultiThreshold":
            value = context[node.output[0]]
            if getCustomOp(node).get_nodeattr("data_layout") == "NHWC":
                value = value.transpose(0, 3, 1, 2)
            levels.append(value)
    return levels


def check_body_is_integer(model: ModelWrapper) -> None:
    """No float compute between the first and the last MatMul: every MatMul reads integer
    tensors with integer weights, no quantizer/BN/Gemm/Conv/Relu is left, float Mul/Add only
    after the last MatMul."""
    ops = [n.op_type for n in model.graph.node]
    assert not FLOAT_BODY_OPS & set(ops), ops
    matmuls = [i for i, op in enumerate(ops) if op == "MatMul"]
    assert matmuls
    for index in matmuls:
        node = model.graph.node[index]
        for name in node.input:
            assert model.get_tensor_datatype(name).is_integer(), (node.name, name)
    body = ops[: matmuls[-1]]
    assert not {"Mul", "Add", "Div"} & set(body), body


def check_equivalent(original: ModelWrapper, lowered: ModelWrapper, seeds: int = 4) -> None:
    shape = original.get_tensor_shape(original.graph.input[0].name)
    out_o, out_l = original.graph.output[0].name, lowered.graph.output[0].name
    for seed in range(seeds):
        x = np.random.default_rng(seed).normal(0, 2, shape).astype(np.float32)
        before, after = run_all(original, x), run_all(lowered, x)
        expected = activation_levels(original, before)
        got = threshold_levels(lowered, after)
        assert len(got) == len(expected)
        for want, have in zip(expected, got, strict=True):
            np.testing.assert_array_equal(have, want)
        scale = max(float(np.abs(before[out_o]).max()), 1e-6)
        np.testing.assert_allclose(after[out_l], before[out_o], rtol=0, atol=1e-5 * scale)


@pytest.mark.parametrize(
    ("wbits", "abits", "options"),
    [
        (4, 4, {}),
        (2, 2, {"po2": True}),
        (1, 1, {}),
        (1, 1, {"po2": True}),
        (4, 4, {"bias": False}),
        (4, 4, {"bias": False, "batchnorm": False}),
        (2, 2, {"gemm": False}),
        (8, 3, {"po2": True, "seed": 3}),
    ],
)
def test_mlp_lowers_to_integer_matmul_between_thresholds(
    wbits: int, abits: int, options: dict[str, object]
) -> None:
    original = mlp(wbits, abits, **options)  # type: ignore[arg-type]
    lowered = lower(original)
    check_body_is_integer(lowered)
    assert [n.op_type for n in lowered.graph.node].count("MultiThreshold") == 3
    for node in lowered.get_nodes_by_op_type("MatMul"):
        weight_type = lowered.get_tensor_datatype(node.input[1])
        assert weight_type.bitwidth() <= max(wbits, 2)
    check_equivalent(original, lowered)
    assert lowering_notes(lowered) == []


@pytest.mark.parametrize(("wbits", "abits", "po2"), [(4, 4, False), (2, 2, True), (3, 4, True)])
def test_cnn_lowers_to_nhwc_sliding_window_and_matmul(wbits: int, abits: int, po2: bool) -> None:
    original = cnn(wbits, abits, po2=po2)
    lowered = lower(original)
    check_body_is_integer(lowered)
    ops = [n.op_type for n in lowered.graph.node]
    assert ops.count("Im2Col") == 2 and "MaxPoolNHWC" in ops and "MaxPool" not in ops
    assert "Transpose" not in ops[ops.index("Im2Col") :], ops  # body is NHWC throughout
    for node in lowered.get_nodes_by_op_type("MultiThreshold")[1:]:
        assert getCustomOp(node).get_nodeattr("data_layout") == "NHWC"
    check_equivalent(original, lowered)


def quantizer_graph(bits: int, signed: bool, narrow: bool, mode: str, zero: float) -> ModelWrapper:
    b = GraphBuilder(np.random.default_rng(0))
    y = b.quant("x", np.float32(0.25), bits, signed, narrow=narrow, zero=zero, mode=mode)
    return b.model([1, 64], "x", y)


@pytest.mark.parametrize("mode", ["ROUND", "HALF_EVEN", "FLOOR", "CEIL", "HALF_UP", "UP", "DOWN"])
@pytest.mark.parametrize(
    ("bits", "signed", "narrow", "zero"),
    [(4, True, False, 0.0), (3, True, True, 0.0), (2, False, False, 0.0), (4, False, False, 2.0)],
)
def test_thresholds_reproduce_quant_rounding_ties_included(
    mode: str, bits: int, signed: bool, narrow: bool, zero: float
) -> None:
    original = quantizer_graph(bits, signed, narrow, mode, zero)
    converted = original.transform(QuantActToMultiThreshold())
    assert converted.graph.node[0].op_type == "MultiThreshold"
    halves = (np.arange(-40, 40) / 2).astype(np.float32) * np.float32(0.25)  # every tie
    rng = np.random.default_rng(1)
    for values in (halves[:64], halves[16:], rng.normal(0, 2, 64).astype(np.float32)):
        x = values.reshape(1, 64)
        want = execute_onnx(original, {"x": x})[original.graph.output[0].name]
        have = execute_onnx(converted, {"x": x})[converted.graph.output[0].name]
        np.testing.assert_array_equal(have, want)


def test_unsupported_grouped_conv_stays_with_its_reason() -> None:
    b = GraphBuilder(np.random.default_rng(0))
    x = b.quant("x", np.float32(0.1), 8, True)
    w = b.quant(b.const(b.rng.normal(0, 1, (4, 2, 3, 3)), "w"), np.float32(0.1), 4, True)
    x = b.node("Conv", [x, w], kernel_shape=[3, 3], pads=[1] * 4, group=2)
    original = b.model([1, 4, 5, 5], "x", x)
    lowered = lower(original)
    notes = lowering_notes(lowered)
    conv = lowered.get_nodes_by_op_type("Conv")
    assert len(conv) == 1
    assert any(n["node"] == conv[0].name and "group=2" in n["reason"] for n in notes), notes
    x_in = np.random.default_rng(0).normal(0, 2, (1, 4, 5, 5)).astype(np.float32)
    before = execute_onnx(original, {"x": x_in})[original.graph.output[0].name]
    after = execute_onnx(lowered, {"x": x_in})[lowered.graph.output[0].name]
    np.testing.assert_allclose(after, before, atol=1e-5 * float(np.abs(before).max()))


def test_dynamic_quantizer_scale_is_recorded() -> None:
    nodes = [
        helper.make_node("Abs", ["x"], ["s"], name="abs"),
        helper.make_node(
            "Quant", ["x", "s", "z", "b"], ["y"], name="q", domain=QONNX, signed=1, narrow=0
        ),
    ]
    graph = helper.make_graph(
        nodes,
        "dyn",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 4])],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 4])],
        initializer=[
            helper.make_tensor("z", TensorProto.FLOAT, [], [0.0]),
            helper.make_tensor("b", TensorProto.FLOAT, [], [4.0]),
        ],
    )
    model = ModelWrapper(helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)]))
    lowered = lower(model)
    (note,) = lowering_notes(lowered)
    assert note["op_type"] == "Quant" and "scale" in note["reason"] and "constant" in note["reason"]


@pytest.mark.skipif(not BREVITAS_EXPORTS, reason="no Brevitas exports in tests/models/brevitas/")
@pytest.mark.parametrize(
    "path", BREVITAS_EXPORTS, ids=[f"{p.parent.name}/{p.name}" for p in BREVITAS_EXPORTS]
)
def test_brevitas_exports_lower(path: Path) -> None:
    original = ModelWrapper(str(path))
    lowered = lower(original)
    original = original.transform(InferShapes())  # TorchScript exports lack inner shapes
    check_body_is_integer(lowered)
    assert lowering_notes(lowered) == []
    check_equivalent(original, lowered, seeds=2)
    reference = np.load(path.parent / "reference.npz")
    for x, torch_out in zip(reference["inputs"], reference["outputs"], strict=True):
        got = execute_onnx(lowered, {lowered.graph.input[0].name: x[np.newaxis]})
        np.testing.assert_allclose(got[lowered.graph.output[0].name][0], torch_out, atol=1e-4)
