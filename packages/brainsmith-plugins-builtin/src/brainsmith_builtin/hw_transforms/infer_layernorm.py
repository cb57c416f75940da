"""``InferLayerNorm``: LayerNormalization over the last axis -> ``LayerNorm`` (+ scale, bias)."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import hw_transform
from onnx import helper
from qonnx.core.datatype import DataType

from .inference import KernelInference, Unmet, attribute, initializer, known_shape


@hw_transform(kernels=["LayerNorm"])
class InferLayerNorm(KernelInference):
    """Map ONNX ``LayerNormalization(x, scale[, bias])`` over the last axis to the ``LayerNorm``
    kernel (SIMD = 1), which normalises only. A scale other than all ones becomes a separate
    ``Mul`` after it, a bias other than all zeros a separate ``Add`` (decision: the kernel stays
    one simple float datapath, and streamlining can absorb the affine into the thresholds that
    follow, as FINN's ``ExtractNormScaleBias`` + ``InferLayerNorm`` do). The last node keeps the
    original output name.

    Declined (recorded): normalising over other axes, a dynamic scale or bias, a used
    ``Mean``/``InvStdDev`` output, an unknown shape.
    """

    kernel = "LayerNorm"
    candidates = frozenset({("", "LayerNormalization")})

    def map_node(self, model: Any, node: Any) -> None:
        x_name = node.input[0]
        shape = known_shape(model, x_name, "input")
        axis = int(attribute(node, "axis", -1))
        if axis not in (-1, len(shape) - 1):
            raise Unmet(f"axis={axis} normalises over more than the last axis of {shape}")
        if any(name for name in node.output[1:]):
            raise Unmet("the Mean or InvStdDev output is used")
        scale = initializer(model, node.input[1], "scale")
        bias = None
        if len(node.input) > 2 and node.input[2]:
            bias = initializer(model, node.input[2], "bias")
        epsilon = float(attribute(node, "epsilon", 1e-5))
        idt = model.get_tensor_datatype(x_name)
        out = node.output[0]
        steps = []
        if np.any(scale != 1):
            steps.append(("Mul", node.input[1], "scale"))
        if bias is not None and np.any(bias != 0):
            steps.append(("Add", node.input[2], "bias"))
        kernel_out = f"{out}_normalized" if steps else out
        affine = []
        previous = kernel_out
        for i, (op_type, parameter, label) in enumerate(steps):
            target = out if i == len(steps) - 1 else f"{out}_{label}d"
            affine.append(
                helper.make_node(
                    op_type, [previous, parameter], [target], name=f"{node.name}_{label}"
                )
            )
            previous = target
        new = self.kernel_node(
            node,
            [x_name],
            [kernel_out],
            SIMD=1,
            NumChannels=shape[-1],
            epsilon=epsilon,
            inputDataType=idt.name,
            outputDataType="FLOAT32",
            numInputVectors=shape[:-1],
        )
        self.replace(model, [node], new, DataType["FLOAT32"])
        index = list(model.graph.node).index(new)
        for offset, extra in enumerate(affine, start=1):
            model.graph.node.insert(index + offset, extra)
        for tensor in {kernel_out, *(n.output[0] for n in affine)} - {out}:
            model.set_tensor_shape(tensor, shape)
            model.set_tensor_datatype(tensor, DataType["FLOAT32"])
