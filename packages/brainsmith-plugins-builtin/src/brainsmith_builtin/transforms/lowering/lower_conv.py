"""``LowerConvToMatMul``: 2-D ``Conv`` becomes sliding window (qonnx ``Im2Col``) + ``MatMul``."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from onnx import helper
from qonnx.transformation.base import Transformation

from .graph import QONNX_DOMAIN, attribute, new_constant, new_tensor, shape_of
from .notes import UnsupportedNode, record_note


@transform(name="LowerConvToMatMul", stage="topology_optimization")
class LowerConvToMatMul(Transformation):  # type: ignore[misc]
    """Replace ``Conv(x, W[, b])`` (NCHW, batch 1, constant weights ``[OFM, IFM/group, kh,
    kw]``, group 1 or depthwise) by ``Transpose`` to NHWC, ``Im2Col`` (output
    ``[1, OH, OW, kh*kw*IFM]`` ordered ``(kh, kw, C)``; left out for an unpadded 1x1 stride-1
    conv), ``MatMul`` with ``W`` reshaped to ``[kh*kw*IFM, OFM]`` (its qonnx datatype kept; a
    depthwise conv gets the dense block-diagonal matrix and ``depthwise=1``), ``Transpose`` back
    to NCHW and ``Add(b)`` for a bias. ``ConvertToChannelsLast`` later removes the transposes.
    Other convs (grouped, 1-D/3-D, ``auto_pad``, dynamic weights) stay, with the reason."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in list(model.graph.node):
            if node.op_type != "Conv":
                continue
            try:
                self._lower(model, node)
            except UnsupportedNode as reason:
                record_note(model, node, f"Conv not lowered to MatMul: {reason}")
                continue
            return model, True
        return model, False

    @staticmethod
    def _lower(model: Any, node: Any) -> None:
        weights = model.get_initializer(node.input[1])
        if weights is None:
            raise UnsupportedNode("the weights are not a constant initializer")
        in_shape = shape_of(model, node.input[0])
        out_shape = shape_of(model, node.output[0])
        if weights.ndim != 4 or in_shape is None or out_shape is None or len(in_shape) != 4:
            raise UnsupportedNode("only 2-D convolutions with known NCHW shapes are lowered")
        if in_shape[0] != 1:
            raise UnsupportedNode(f"batch size {in_shape[0]} (Im2Col supports 1)")
        if attribute(node, "auto_pad", "NOTSET") != "NOTSET":
            raise UnsupportedNode("auto_pad is set (use explicit pads)")
        ofm, _, kh, kw = (int(d) for d in weights.shape)
        _, ifm, height, width = in_shape
        group = int(attribute(node, "group", 1))
        depthwise = group > 1
        if depthwise and not group == ifm == ofm:
            raise UnsupportedNode(f"group={group} is neither 1 nor depthwise (IFM=OFM=group)")
        pads = [int(p) for p in attribute(node, "pads", [0, 0, 0, 0])]
        strides = [int(s) for s in attribute(node, "strides", [1, 1])]
        dilations = [int(d) for d in attribute(node, "dilations", [1, 1])]

        bias = model.get_initializer(node.input[2]) if len(node.input) > 2 else None
        if len(node.input) > 2 and bias is None:
            raise UnsupportedNode("the bias is not a constant initializer")

        dense = np.asarray(weights, dtype=np.float32)
        if depthwise:
            dense = np.zeros((ofm, ifm, kh, kw), dtype=np.float32)
            for channel in range(ofm):
                dense[channel, channel] = weights[channel, 0]
        matrix = dense.transpose(0, 2, 3, 1).reshape(ofm, kh * kw * ifm).T
        matrix_name = new_constant(model, matrix)
        model.set_tensor_datatype(matrix_name, model.get_tensor_datatype(node.input[1]))

        nhwc = new_tensor(model, [1, height, width, ifm])
        nodes = [helper.make_node("Transpose", [node.input[0]], [nhwc], perm=[0, 2, 3, 1])]
        window = nhwc
        pointwise = kh == kw == 1 and strides == [1, 1] and not any(pads)
        if not pointwise:
            window = new_tensor(model, [1, out_shape[2], out_shape[3], kh * kw * ifm])
            nodes.append(
                helper.make_node(
                    "Im2Col",
                    [nhwc],
                    [window],
                    domain=QONNX_DOMAIN,
                    name=f"{node.name}_im2col" if node.name else "",
                    stride=strides,
                    kernel_size=[kh, kw],
                    pad_amount=pads,
                    input_shape=f"(1,{height},{width},{ifm})",
                    depthwise=int(depthwise),
                    dilations=dilations,
                )
            )
        product = new_tensor(model, [1, out_shape[2], out_shape[3], ofm])
        nodes.append(helper.make_node("MatMul", [window, matrix_name], [product], name=node.name))
        final = node.output[0]
        back = new_tensor(model, out_shape) if bias is not None else final
        nodes.append(helper.make_node("Transpose", [product], [back], perm=[0, 3, 1, 2]))
        if bias is not None:
            bias_name = new_constant(model, np.asarray(bias).reshape(1, ofm, 1, 1))
            nodes.append(helper.make_node("Add", [back, bias_name], [final]))
        graph = model.graph
        index = list(graph.node).index(node)
        for offset, new in enumerate(nodes):
            graph.node.insert(index + offset, new)
        graph.node.remove(node)
