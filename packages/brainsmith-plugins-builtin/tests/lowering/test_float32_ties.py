"""Thresholds against the original's float32 rounding: every place a threshold is computed
(a quantizer reading integer levels through a float chain, scales and biases absorbed into
thresholds, constants merged before that) is checked bit for bit against the original model
executed by qonnx/onnxruntime, on every integer level of the quantizer feeding the chain or on
the float32 neighbours of every rounding boundary of a float input."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from brainsmith.compile import compile_model
from brainsmith_builtin.transforms.lowering.lower import Lower
from brainsmith_builtin.transforms.lowering.notes import lowering_notes
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.core.onnx_exec import execute_onnx
from qonnx.custom_op.general.intquant import max_int, min_int
from qonnx.transformation.infer_shapes import InferShapes

Q = "qonnx.custom_op.general"
C = 6  # channels


class Graph:
    """A one-input ``[N, C]`` graph built node by node."""

    def __init__(self) -> None:
        self.nodes: list[Any] = []
        self.inits: list[Any] = []
        self.count = 0

    def const(self, value: Any) -> str:
        self.count += 1
        name = f"c{self.count}"
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def op(self, op_type: str, *inputs: str, **attrs: Any) -> str:
        self.count += 1
        out = f"t{self.count}"
        domain = Q if op_type in ("Quant", "BipolarQuant") else ""
        self.nodes.append(helper.make_node(op_type, list(inputs), [out], domain=domain, **attrs))
        return out

    def quant(
        self, x: str, scale: Any, bits: int, *, signed: bool, narrow: bool = False,
        zero: Any = 0.0, mode: str = "ROUND",
    ) -> str:  # fmt: skip
        return self.op(
            "Quant", x, self.const(scale), self.const(zero), self.const(bits),
            signed=int(signed), narrow=int(narrow), rounding_mode=mode,
        )  # fmt: skip

    def model(self) -> ModelWrapper:
        """The graph with the last node's output as the graph output ``y``."""
        self.nodes[-1].output[0] = "y"
        graph = helper.make_graph(
            self.nodes,
            "ties",
            [helper.make_tensor_value_info("x", TensorProto.FLOAT, ["N", C])],
            [helper.make_tensor_value_info("y", TensorProto.FLOAT, ["N", C])],
            initializer=self.inits,
        )
        opsets = [helper.make_opsetid("", 13), helper.make_opsetid(Q, 1)]
        model = helper.make_model(graph, opset_imports=opsets)
        return ModelWrapper(model).transform(InferShapes())


def with_batch(model: ModelWrapper, rows: int) -> ModelWrapper:
    """``model`` with its batch dimension fixed to ``rows`` (the lowering needs known shapes)."""
    clone = ModelWrapper(model.model.__deepcopy__())
    for value in (*clone.graph.input, *clone.graph.output):
        value.type.tensor_type.shape.dim[0].dim_value = rows
    return clone.transform(InferShapes())


def run(model: ModelWrapper, x: np.ndarray) -> np.ndarray:
    result: np.ndarray = execute_onnx(model, {model.graph.input[0].name: x})[
        model.graph.output[0].name
    ]
    return result


def assert_bit_exact(original: ModelWrapper, x: np.ndarray, *, dataflow: Path | None = None) -> Any:
    """Lower (or compile with ``-b builtin:dataflow`` into ``dataflow``) ``original`` for the
    inputs ``x`` ``[N, C]`` and compare both executions bit for bit; returns the lowered model."""
    fixed = with_batch(original, x.shape[0])
    if dataflow is None:
        lowered = fixed.transform(Lower())
    else:
        lowered = compile_model(fixed, blueprint="builtin:dataflow", output_dir=dataflow).model
    want, got = run(fixed, x), run(lowered, x)
    mismatch = np.argwhere(got != want)
    assert mismatch.size == 0, [
        (float(x[r, c]), float(want[r, c]), float(got[r, c])) for r, c in mismatch[:5]
    ]
    return lowered


def every_level(scale: Any, bits: int, signed: bool, zero: float = 0.0) -> np.ndarray:
    """Inputs ``[L, C]`` hitting every level of a ``Quant`` (row ``k`` = level ``k``, per channel
    ``(k - zero) * scale`` in float32, which that quantizer maps back to ``k``)."""
    low, high = int(min_int(signed, False, bits)), int(max_int(signed, False, bits))
    levels = np.arange(low, high + 1, dtype=np.float32)[:, None]
    column = np.broadcast_to(np.asarray(scale, dtype=np.float32).reshape(1, -1), (1, C))
    return ((levels - np.float32(zero)) * column).astype(np.float32)


def boundary_neighbours(boundaries: np.ndarray, ulps: int = 4) -> np.ndarray:
    """Inputs ``[M, C]``: each real-valued boundary rounded to float32 and its ``ulps``
    float32 neighbours on either side (where float32 rounding decides the level)."""
    x = np.asarray(boundaries, dtype=np.float64).astype(np.float32).reshape(-1, 1)
    x = np.broadcast_to(x, (x.shape[0], C)).copy()
    rows = [x]
    up, down = x.copy(), x.copy()
    for _ in range(ulps):
        up = np.nextafter(up, np.float32(np.inf))
        down = np.nextafter(down, np.float32(-np.inf))
        rows += [up.copy(), down.copy()]
    return np.concatenate(rows)


PER_CHANNEL = np.array([0.1, 0.3, 0.7, 0.05, 0.15, 0.45], dtype=np.float32)


@pytest.mark.parametrize(
    ("bits", "signed", "narrow", "mode", "s1", "s2", "zero"),
    [
        (8, True, False, "ROUND", 0.1, 0.2, 0.0),
        (8, True, False, "FLOOR", 0.1, 0.3, 0.0),
        (8, False, False, "CEIL", 0.1, 0.7, 0.0),
        (4, True, True, "ROUND", 0.1, 0.2, 0.0),
        (2, True, False, "ROUND", 0.1, 0.6, 0.3),
        (2, False, False, "ROUND", 0.1, 0.6, 0.0),
        (3, False, False, "HALF_UP", 0.7, 1.4, 0.0),
        (6, False, False, "FLOOR", 0.1, 0.1, 3.0),
        (5, True, False, "ROUND", PER_CHANNEL, 2 * PER_CHANNEL, 0.0),
        (7, False, True, "FLOOR", 0.1, 3 * PER_CHANNEL, 0.0),
        (1, True, False, "ROUND", 0.1, 0.7, -0.7),  # a signed 1-bit Quant: -1/+1
    ],
)
def test_requantisation_matches_on_every_level(
    bits: int, signed: bool, narrow: bool, mode: str, s1: Any, s2: Any, zero: float
) -> None:
    """``Quant(Quant(x))``: the second quantizer's thresholds on the first one's levels."""
    g = Graph()
    q = g.quant("x", s1, 8, signed=True)
    g.quant(q, s2, bits, signed=signed, narrow=narrow, zero=zero, mode=mode)
    original = g.model()
    lowered = assert_bit_exact(original, every_level(s1, 8, True))
    assert [n.op_type for n in lowered.graph.node].count("MultiThreshold") == 2


@pytest.mark.parametrize("bits", [2, 4, 8])
def test_a_float32_chain_between_quantizers_matches_on_every_level(
    bits: int, tmp_path: Path
) -> None:
    """Levels -> zero point -> scale -> per-channel Mul -> Add -> Div -> Relu -> Quant: every
    constant of the chain rounds in float32 in the original; compiled with the dataflow
    blueprint, the second quantizer reads the first one's levels."""
    g = Graph()
    q = g.quant("x", 0.1, bits, signed=False, zero=1.0)
    m = g.op("Mul", q, g.const(np.linspace(0.3, 1.7, C).reshape(1, C)))
    a = g.op("Add", m, g.const(np.linspace(-0.35, 0.15, C).reshape(1, C)))
    d = g.op("Div", a, g.const(0.7))
    r = g.op("Relu", d)
    g.quant(r, 0.05, bits, signed=False, mode="ROUND")
    original = g.model()
    x = every_level(0.1, bits, False, zero=1.0)
    lowered = assert_bit_exact(original, x, dataflow=tmp_path)
    first, second, *rest = lowered.graph.node
    assert first.op_type == "MultiThreshold" and second.op_type.startswith("Thresholding")
    assert second.input[0] == first.output[0]  # the chain became thresholds on the levels
    assert [n.op_type for n in rest] == ["Mul"]


def test_a_decreasing_chain_stays_a_quant_with_its_reason() -> None:
    """A negative per-channel scale makes the second level fall as the first grows: no
    thresholds on the levels do that; the quantizer stays, the chain keeps its float32 steps
    (not merged into one Mul), and the reason is recorded."""
    g = Graph()
    q = g.quant("x", 0.1, 4, signed=False)
    m = g.op("Mul", q, g.const(0.3))
    n = g.op("Mul", m, g.const(-np.linspace(0.5, 1.5, C).reshape(1, C)))
    g.quant(n, 0.1, 4, signed=True, narrow=True, mode="FLOOR")
    original = g.model()
    lowered = assert_bit_exact(original, every_level(0.1, 4, False))
    ops = [node.op_type for node in lowered.graph.node]
    assert ops.count("Quant") == 1 and ops.count("Mul") >= 2
    reasons = [note["reason"] for note in lowering_notes(lowered)]
    assert any("decreases as the level grows" in r for r in reasons), reasons


@pytest.mark.parametrize("mode", ["ROUND", "FLOOR", "CEIL"])
@pytest.mark.parametrize("signed", [True, False])
def test_a_float_input_scale_and_bias_absorb_exactly(mode: str, signed: bool) -> None:
    """Graph input -> Mul(a) -> Add(b) -> Quant: the Mul and Add are absorbed into the
    thresholds, which must place every float32 input on the original's level, including the
    float32 neighbours of every rounding boundary."""
    a = np.linspace(0.31, 1.93, C).astype(np.float32).reshape(1, C)
    b = np.float32(-0.137)
    g = Graph()
    m = g.op("Mul", "x", g.const(a))
    s = g.op("Add", m, g.const(b))
    scale, bits = 0.07, 4
    g.quant(s, scale, bits, signed=signed, mode=mode)
    original = g.model()
    low, high = int(min_int(signed, False, bits)), int(max_int(signed, False, bits))
    steps = np.arange(low - 1, high + 2, 0.5)[:, None]
    x = np.concatenate([boundary_neighbours((steps * scale - b) / a[0, c]) for c in range(C)])
    lowered = assert_bit_exact(original, x)
    assert [n.op_type for n in lowered.graph.node] == ["MultiThreshold", "Mul"]


def test_two_float_scales_are_not_merged_in_float64() -> None:
    """Graph input -> Mul(a) -> Mul(b) -> Quant: ``(x * a) * b`` rounds twice in float32;
    merging into ``x * (a * b)`` before absorbing would move levels at the boundaries."""
    a, b = np.float32(0.3), np.float32(0.7)
    g = Graph()
    m = g.op("Mul", "x", g.const(a))
    n = g.op("Mul", m, g.const(b))
    g.quant(n, 0.1, 8, signed=True)
    original = g.model()
    steps = np.arange(-129, 129, 0.5)
    assert_bit_exact(original, boundary_neighbours(steps * 0.1 / (0.3 * 0.7)))


def test_bipolar_requantisation_matches_on_every_level() -> None:
    """Levels -> scale -> Add -> BipolarQuant: the sign threshold on the levels."""
    g = Graph()
    q = g.quant("x", 0.1, 8, signed=True)
    s = g.op("Add", q, g.const(np.linspace(-0.3, 0.3, C).reshape(1, C)))
    g.op("BipolarQuant", s, g.const(1.0))
    original = g.model()
    lowered = assert_bit_exact(original, every_level(0.1, 8, True))
    assert [n.op_type for n in lowered.graph.node].count("MultiThreshold") == 2
