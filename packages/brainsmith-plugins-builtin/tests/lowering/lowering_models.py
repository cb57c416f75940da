"""Brevitas-like QONNX graphs built with onnx.helper: the shapes Brevitas' QONNX export
produces (Quant on weights and activations, Gemm/MatMul/Conv, bias, BatchNormalization, Relu,
MaxPool, Flatten, a final scale)."""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper
from qonnx.core.modelwrapper import ModelWrapper
from qonnx.transformation.infer_shapes import InferShapes

QONNX = "qonnx.custom_op.general"


@dataclass
class GraphBuilder:
    """Accumulates nodes and initializers with fresh names."""

    rng: np.random.Generator
    nodes: list[onnx.NodeProto] = field(default_factory=list)
    inits: list[onnx.TensorProto] = field(default_factory=list)
    count: int = 0

    def name(self, stem: str) -> str:
        self.count += 1
        return f"{stem}{self.count}"

    def const(self, value: np.ndarray, stem: str = "c") -> str:
        name = self.name(stem)
        self.inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), name))
        return name

    def node(self, op: str, inputs: list[str], domain: str = "", **attrs: object) -> str:
        out = self.name(op.lower() + "_out")
        self.nodes.append(
            helper.make_node(op, inputs, [out], name=self.name(op), domain=domain, **attrs)
        )
        return out

    def quant(
        self,
        x: str,
        scale: np.ndarray | float,
        bits: int,
        signed: bool,
        narrow: bool = False,
        zero: float = 0.0,
        mode: str = "ROUND",
    ) -> str:
        if bits == 1 and signed:
            return self.node("BipolarQuant", [x, self.const(np.asarray(scale))], QONNX)
        return self.node(
            "Quant",
            [x, self.const(np.asarray(scale)), self.const(np.asarray(zero)), self.const(bits)],
            QONNX,
            signed=int(signed),
            narrow=int(narrow),
            rounding_mode=mode,
        )

    def scale(self, shape: tuple[int, ...], po2: bool) -> np.ndarray:
        if po2:
            return 2.0 ** self.rng.integers(-6, -2, shape).astype(np.float32)
        return self.rng.uniform(0.01, 0.1, shape).astype(np.float32)

    def batchnorm(self, x: str, channels: int) -> str:
        gamma = self.rng.uniform(0.5, 2.0, channels) * self.rng.choice([-1, 1], channels)
        return self.node(
            "BatchNormalization",
            [
                x,
                self.const(gamma),
                self.const(self.rng.uniform(-1, 1, channels)),
                self.const(self.rng.uniform(-1, 1, channels)),
                self.const(self.rng.uniform(0.5, 2.0, channels)),
            ],
            epsilon=1e-5,
        )

    def model(self, x_shape: list[int], x: str, y: str) -> ModelWrapper:
        graph = helper.make_graph(
            self.nodes,
            "brevitas_like",
            [helper.make_tensor_value_info(x, TensorProto.FLOAT, x_shape)],
            [helper.make_tensor_value_info(y, TensorProto.FLOAT, None)],
            initializer=self.inits,
        )
        proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 13)])
        return ModelWrapper(proto).transform(InferShapes())


def mlp(
    wbits: int,
    abits: int,
    *,
    bias: bool = True,
    batchnorm: bool = True,
    po2: bool = False,
    gemm: bool = True,
    sizes: tuple[int, ...] = (49, 16, 16, 10),
    seed: int = 0,
) -> ModelWrapper:
    """A TFC-like MLP: Flatten, input quantizer, then per layer a quantized Linear (Gemm with
    transB=1, or MatMul on a transposed weight plus an Add), BatchNorm and an activation
    quantizer (Relu + unsigned Quant, or bipolar), and a final scale Mul."""
    b = GraphBuilder(np.random.default_rng(seed))
    side = round(sizes[0] ** 0.5)
    x = b.node("Flatten", ["x"], axis=1)
    in_bits = abits if abits > 1 else 1
    x = b.quant(x, b.scale((), po2) * 20, max(in_bits, 2) if in_bits > 1 else 1, True)
    for i, (fan_in, fan_out) in enumerate(itertools.pairwise(sizes)):
        last = i == len(sizes) - 2
        w = b.rng.normal(0, 0.5, (fan_out, fan_in)).astype(np.float32)
        w_scale = b.scale((fan_out, 1), po2) * 4
        wq = b.quant(b.const(w, "w"), w_scale, wbits, True, narrow=True)
        if gemm:
            inputs = [x, wq] + ([b.const(b.rng.normal(0, 0.5, fan_out))] if bias else [])
            x = b.node("Gemm", inputs, transB=1)
        else:
            x = b.node("MatMul", [x, b.node("Transpose", [wq], perm=[1, 0])])
            if bias:
                x = b.node("Add", [x, b.const(b.rng.normal(0, 0.5, fan_out))])
        if last:
            break
        if batchnorm:
            x = b.batchnorm(x, fan_out)
        if abits == 1:
            x = b.quant(x, b.scale((), po2) * 10, 1, True)
        else:
            x = b.quant(b.node("Relu", [x]), b.scale((), po2) * 10, abits, False)
    y = b.node("Mul", [x, b.const(np.float32(0.37))])
    return b.model([1, 1, side, side], "x", y)


def cnn(wbits: int = 4, abits: int = 4, *, po2: bool = False, seed: int = 0) -> ModelWrapper:
    """A CNV-like CNN: input quantizer, Conv(3->8, 3x3, pad 1, bias) + BN + Relu + Quant,
    MaxPool 2x2, Conv(8->8, 3x3) + BN + Relu + Quant, Flatten, quantized Gemm to 10, scale."""
    b = GraphBuilder(np.random.default_rng(seed))
    x = b.quant("x", b.scale((), po2) * 20, 8, True, narrow=True)
    for i, (cin, cout, pad) in enumerate([(3, 8, 1), (8, 8, 0)]):
        w = b.rng.normal(0, 0.5, (cout, cin, 3, 3)).astype(np.float32)
        wq = b.quant(b.const(w, "w"), b.scale((cout, 1, 1, 1), po2) * 4, wbits, True, narrow=True)
        inputs = [x, wq] + ([b.const(b.rng.normal(0, 0.5, cout))] if i == 0 else [])
        x = b.node("Conv", inputs, kernel_shape=[3, 3], pads=[pad] * 4, strides=[1, 1])
        x = b.batchnorm(x, cout)
        x = b.quant(b.node("Relu", [x]), b.scale((), po2) * 10, abits, False)
        if i == 0:
            x = b.node("MaxPool", [x], kernel_shape=[2, 2], strides=[2, 2])
    x = b.node("Flatten", [x], axis=1)
    w = b.rng.normal(0, 0.5, (10, 8 * 2 * 2)).astype(np.float32)
    wq = b.quant(b.const(w, "w"), b.scale((10, 1), po2) * 4, wbits, True, narrow=True)
    x = b.node("Gemm", [x, wq, b.const(b.rng.normal(0, 0.5, 10))], transB=1)
    y = b.node("Mul", [x, b.const(np.float32(0.5))])
    return b.model([1, 3, 8, 8], "x", y)
