"""QONNX Quant nodes run as standard ONNX operators: bit for bit equal to qonnx's own
``quant()`` in float32, and a QONNX MLP runs as one onnxruntime session."""

from __future__ import annotations

from typing import Any

import numpy as np
import onnxruntime as ort
import pytest
from brainsmith.compile._quant_ops import quant_as_standard
from brainsmith.compile._segments import Segments, _Standard
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.general.quant import quant

DOMAIN = "qonnx.custom_op.general"
ROUNDINGS = ["ROUND", "HALF_EVEN", "FLOOR", "CEIL", "DOWN"]


def _quant_node(signed: int, narrow: int, rounding: str) -> Any:
    return helper.make_node(
        "Quant",
        ["x", "scale", "zeropt", "bits"],
        ["y"],
        domain=DOMAIN,
        signed=signed,
        narrow=narrow,
        rounding_mode=rounding,
    )


def _run_standard(nodes: list[Any], inits: list[Any], x: np.ndarray) -> np.ndarray:
    info = helper.make_tensor_value_info
    graph = helper.make_graph(
        nodes,
        "q",
        [info("x", TensorProto.FLOAT, list(x.shape))],
        [info("y", TensorProto.FLOAT, None)],
        inits,
    )
    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
    proto.ir_version = 8
    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    session = ort.InferenceSession(proto.SerializeToString(), options)
    return np.asarray(session.run(None, {"x": x})[0])


def _draw(rng: np.random.Generator, channels: int) -> np.ndarray:
    x = rng.normal(0, rng.choice([0.1, 1.0, 30.0]), size=(5, channels)).astype(np.float32)
    x[0, : min(channels, 4)] = [np.nan, np.inf, -np.inf, -0.0][: min(channels, 4)]
    # values on rounding ties after the division, and on the range boundaries
    x[1] = rng.integers(-300, 300, size=channels).astype(np.float32) * 0.5
    x[2, 0] = rng.choice([1e-40, -1e-40, 1e-45, 3e38])  # subnormals, near overflow
    return x


@pytest.mark.parametrize("rounding", ROUNDINGS)
@pytest.mark.parametrize("signed,narrow", [(1, 0), (1, 1), (0, 0), (0, 1)])
def test_translation_equals_qonnx_quant_bit_for_bit(
    rounding: str, signed: int, narrow: int
) -> None:
    rng = np.random.default_rng(abs(hash((rounding, signed, narrow))) % 2**32)
    node = _quant_node(signed, narrow, rounding)
    checked = 0
    for trial in range(60):
        width = float(rng.integers(1, 9))
        channels = int(rng.integers(1, 7))
        per_channel = trial % 2 == 0
        shape = (channels,) if per_channel else ()
        scale = rng.choice([1.0, 0.5, 0.1, 0.37, 3.0], size=shape).astype(np.float32)
        scale = np.asarray(scale * rng.uniform(0.5, 2.0, size=shape), dtype=np.float32)
        if trial % 5 == 0:  # ties of x[1] reach the rounding unchanged
            scale = np.ones(shape, np.float32)
        zeropt = np.asarray(rng.choice([0.0, 0.0, 1.0, -2.0, 0.5], size=shape), np.float32)
        bits = np.asarray(width, dtype=np.float32).reshape(() if trial % 3 else (1,))
        constants = {"scale": scale, "zeropt": zeropt, "bits": bits}
        translation = quant_as_standard(node, constants, {"x": TensorProto.FLOAT}, 13)
        assert translation is not None
        nodes, names = translation
        inits = [numpy_helper.from_array(v, k) for k, v in constants.items()] + names
        for _ in range(3):
            x = _draw(rng, channels)
            expected = np.asarray(
                quant(x, scale, zeropt, bits, signed, narrow, rounding), dtype=np.float32
            )
            got = _run_standard(nodes, inits, x)
            assert got.shape == expected.shape
            assert np.array_equal(got.view(np.uint32), expected.view(np.uint32)) or (
                np.array_equal(np.isnan(got), np.isnan(expected))
                and np.array_equal(
                    got[~np.isnan(got)].view(np.uint32),
                    expected[~np.isnan(expected)].view(np.uint32),
                )
            ), (width, scale, zeropt, x, got, expected)
            checked += 1
    assert checked == 180


@pytest.mark.parametrize(
    "change",
    [
        {"rounding": "HALF_UP"},
        {"bits": np.asarray(2.5, np.float32)},
        {"bits": np.asarray(30.0, np.float32)},
        {"scale": np.asarray(0.5, np.float64)},
        {"scale": None},
        {"opset": 10},
        {"x_type": TensorProto.DOUBLE},
    ],
    ids=[
        "rounding",
        "fractional-bits",
        "wide-bits",
        "float64-scale",
        "runtime-scale",
        "opset",
        "x",
    ],
)
def test_what_cannot_be_exact_stays_with_qonnx(change: dict[str, Any]) -> None:
    node = _quant_node(1, 0, change.get("rounding", "ROUND"))
    constants = {
        "scale": change.get("scale", np.asarray(0.5, np.float32)),
        "zeropt": np.asarray(0.0, np.float32),
        "bits": change.get("bits", np.asarray(4.0, np.float32)),
    }
    constants = {k: v for k, v in constants.items() if v is not None}
    types = {"x": change.get("x_type", TensorProto.FLOAT)}
    assert quant_as_standard(node, constants, types, change.get("opset", 13)) is None


def _qonnx_mlp(layers: int) -> ModelWrapper:
    rng = np.random.default_rng(7)
    info = helper.make_tensor_value_info
    nodes, inits, value_info = [], [], []
    width, current = 8, "inp"
    for layer in range(layers):
        scale = numpy_helper.from_array(np.float32(0.25 + layer * 0.01).reshape(()), f"s{layer}")
        wscale = rng.uniform(0.01, 0.1, size=(1, width)).astype(np.float32)
        inits += [
            scale,
            numpy_helper.from_array(np.zeros((), np.float32), f"z{layer}"),
            numpy_helper.from_array(np.float32(4).reshape(()), f"b{layer}"),
            numpy_helper.from_array(wscale, f"ws{layer}"),
            numpy_helper.from_array(
                rng.normal(size=(width, width)).astype(np.float32), f"w{layer}"
            ),
        ]
        act, wq, mm, out = (f"{n}{layer}" for n in ("act", "wq", "mm", "relu"))
        nodes += [
            helper.make_node(
                "Quant",
                [current, f"s{layer}", f"z{layer}", f"b{layer}"],
                [act],
                domain=DOMAIN,
                signed=1,
                narrow=0,
                rounding_mode="ROUND",
            ),
            helper.make_node(
                "Quant",
                [f"w{layer}", f"ws{layer}", f"z{layer}", f"b{layer}"],
                [wq],
                domain=DOMAIN,
                signed=1,
                narrow=1,
                rounding_mode="ROUND",
            ),
            helper.make_node("MatMul", [act, wq], [mm]),
            helper.make_node("Relu", [mm], [out]),
        ]
        value_info += [info(n, TensorProto.FLOAT, [2, width]) for n in (act, mm, out)]
        value_info.append(info(wq, TensorProto.FLOAT, [width, width]))
        current = out
    graph = helper.make_graph(
        nodes,
        "mlp",
        [info("inp", TensorProto.FLOAT, [2, width])],
        [info(current, TensorProto.FLOAT, [2, width])],
        inits,
        value_info=[vi for vi in value_info if vi.name != current],
    )
    opsets = [helper.make_opsetid("", 13), helper.make_opsetid(DOMAIN, 1)]
    return ModelWrapper(helper.make_model(graph, opset_imports=opsets))


def test_qonnx_mlp_runs_as_one_session_with_qonnx_outputs() -> None:
    model = _qonnx_mlp(4)
    segments = Segments(model)
    assert len(segments.steps) == 1 and isinstance(segments.steps[0], _Standard)
    rng = np.random.default_rng(0)
    for _ in range(5):
        x = rng.normal(0, 2, size=(2, 8)).astype(np.float32)
        expected = execute_onnx(model, {"inp": x})[model.graph.output[0].name]
        (got,) = segments.run({"inp": x})
        assert np.array_equal(got.view(np.uint32), expected.view(np.uint32))
