"""Models a reviewer built to break the lowering, as regression tests: each compiles through
``-b builtin:dataflow`` and is checked on dense inputs (every quantizer level, not one random
draw), or stays in software with its reason in the report. The float32 rounding gap found
there (thresholds absorbing scales in float64 while the original rounds in float32) is
covered here and in ``test_float32_ties``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.compile import compile_model
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.transformation.infer_shapes import InferShapes

Q = "qonnx.custom_op.general"


def const(name: str, value: Any) -> Any:
    return numpy_helper.from_array(np.asarray(value, dtype=np.float32), name)


def quant(source: str, out: str, scale: str, zero: str, bits: str, *, signed: int) -> Any:
    return helper.make_node(
        "Quant", [source, scale, zero, bits], [out], domain=Q, signed=signed, narrow=0,
        rounding_mode="ROUND",
    )  # fmt: skip


def model(nodes: list[Any], inits: list[Any], in_shape: list[int], out_shape: list[int]) -> Any:
    graph = helper.make_graph(
        nodes,
        "review",
        [helper.make_tensor_value_info("x", TensorProto.FLOAT, in_shape)],
        [helper.make_tensor_value_info("y", TensorProto.FLOAT, out_shape)],
        initializer=inits,
    )
    opsets = [helper.make_opsetid("", 13), helper.make_opsetid(Q, 1)]
    return ModelWrapper(helper.make_model(graph, opset_imports=opsets))


def dense_inputs(shape: list[int], low: float, high: float, step: float) -> list[np.ndarray]:
    """Every multiple of ``step`` in [low, high] (each channel the same), one input each: the
    quantizer levels and the ties between them."""
    values = np.arange(low, high + step / 2, step, dtype=np.float64)
    return [np.full(shape, v, dtype=np.float32) for v in values]


def assert_same(original: Any, compiled: Any, inputs: list[np.ndarray]) -> None:
    original = original.transform(InferShapes())
    for x in inputs:
        want = execute_onnx(original, {"x": x})["y"]
        got = execute_onnx(compiled, {original.graph.input[0].name: x})[
            compiled.graph.output[0].name
        ]
        np.testing.assert_array_equal(got, want, err_msg=f"input {float(x.flat[0])!r}")


def compile_dataflow(m: Any, tmp_path: Path) -> Any:
    return compile_model(m, blueprint="builtin:dataflow", output_dir=tmp_path, verify=True)


def test_a_1_bit_activation_with_a_zero_point_keeps_it(tmp_path: Path) -> None:
    """qonnx computes (+-1 - zp) * scale for a 1-bit signed Quant."""
    m = model(
        [quant("x", "y", "s", "z", "b", signed=1)],
        [const("s", 0.5), const("z", 0.5), const("b", 1.0)],
        [1, 8],
        [1, 8],
    )
    result = compile_dataflow(m, tmp_path)
    assert_same(m, result.model, dense_inputs([1, 8], -2, 2, 0.125))


def test_1_bit_weights_with_an_integer_zero_point_keep_it(tmp_path: Path) -> None:
    w = np.random.default_rng(0).normal(size=(8, 4)).astype(np.float32)
    m = model(
        [
            quant("x", "xq", "si", "zi", "bi", signed=1),
            quant("W", "wq", "s", "z", "b", signed=1),
            helper.make_node("MatMul", ["xq", "wq"], ["y"]),
        ],
        [const("W", w), const("s", 0.5), const("z", 1.0), const("b", 1.0),
         const("si", 1 / 64), const("zi", 0.0), const("bi", 8.0)],
        [1, 8],
        [1, 4],
    )  # fmt: skip
    result = compile_dataflow(m, tmp_path)
    assert_same(m, result.model, dense_inputs([1, 8], -2, 2, 1 / 64))


def test_a_24_bit_activation_stays_a_quant_with_its_reason(tmp_path: Path) -> None:
    m = model(
        [quant("x", "y", "s", "z", "b", signed=1)],
        [const("s", 0.01), const("z", 0.0), const("b", 24.0)],
        [1, 8],
        [1, 8],
    )
    result = compile_dataflow(m, tmp_path)
    (entry,) = result.report["mapping"]["software"]
    assert entry["op_type"] == "Quant"
    first = entry["reasons"][0]
    assert first["kernel"] is None
    assert "a 24-bit activation quantizer needs 16777215 thresholds" in first["reason"]
    assert first["reason"].startswith("not lowered: ")
    assert result.report["mapping"]["lowering"][0]["op_type"] == "Quant"


def test_a_16_bit_activation_between_matmuls_is_not_a_kernel(tmp_path: Path) -> None:
    """65,535 thresholds per channel lower, but no threshold kernel takes them (a comparator
    each): the MatMul is mapped without them and the report says why."""
    w = np.random.default_rng(1).integers(-3, 4, size=(8, 8)).astype(np.float32)
    m = model(
        [
            quant("x", "xq", "si", "z", "b8", signed=1),
            quant("W", "wq", "one", "z", "b4", signed=1),
            helper.make_node("MatMul", ["xq", "wq"], ["h"]),
            quant("h", "y", "s16", "z", "b16", signed=1),
        ],
        [const("W", w), const("one", 1.0), const("z", 0.0), const("b4", 4.0),
         const("b8", 8.0), const("si", 1.0), const("s16", 1.0), const("b16", 16.0)],
        [1, 8],
        [1, 8],
    )  # fmt: skip
    result = compile_dataflow(m, tmp_path)
    reasons = [r["reason"] for e in result.report["mapping"]["software"] for r in e["reasons"]]
    assert any("65535 thresholds per channel" in r and "at most 255" in r for r in reasons)


def test_requantisation_keeps_the_originals_float32_ties(tmp_path: Path) -> None:
    m = model(
        [quant("x", "q", "s1", "z", "b", signed=1), quant("q", "y", "s2", "z", "b", signed=1)],
        [const("s1", 0.1), const("s2", 0.2), const("z", 0.0), const("b", 8.0)],
        [1, 16],
        [1, 16],
    )
    compiled = compile_model(m, blueprint="builtin:dataflow", output_dir=tmp_path).model
    assert_same(m, compiled, dense_inputs([1, 16], -12.8, 12.7, 0.1))


def test_a_negative_per_channel_mul_keeps_the_originals_float32_ties(tmp_path: Path) -> None:
    a = -np.linspace(0.5, 1.5, 8, dtype=np.float32).reshape(1, 8)
    m = model(
        [
            quant("x", "q", "s", "z", "b", signed=0),
            helper.make_node("Mul", ["q", "a"], ["m"]),
            quant("m", "y", "s", "z", "b", signed=1),
        ],
        [const("s", 0.1), const("z", 0.0), const("b", 4.0), const("a", a)],
        [1, 8],
        [1, 8],
    )
    compiled = compile_model(m, blueprint="builtin:dataflow", output_dir=tmp_path).model
    assert_same(m, compiled, dense_inputs([1, 8], 0, 1.6, 0.05))


def test_intquant_is_lowered_like_quant(tmp_path: Path) -> None:
    """qonnx 1.0 calls Quant IntQuant: a TFC export with every Quant renamed maps the same."""
    root = Path(__file__).resolve().parents[4]
    export = root / "tests" / "models" / "brevitas" / "tfc_w4a4" / "torchscript.onnx"
    if not export.exists():
        pytest.skip("no Brevitas exports in tests/models")
    m = ModelWrapper(str(export))
    for node in m.graph.node:
        if node.op_type == "Quant":
            node.op_type = "IntQuant"
    result = compile_dataflow(m, tmp_path)
    mapping = result.report["mapping"]
    assert mapping["kernels"].get("MVAU") == 4
    assert mapping["partition"]["interior_software"] == []
    assert not any(e["op_type"] == "IntQuant" for e in mapping["software"])
