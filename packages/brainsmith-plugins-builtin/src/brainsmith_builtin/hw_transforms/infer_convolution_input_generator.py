"""``InferConvolutionInputGenerator``: qonnx ``Im2Col`` on an integer input -> sliding window."""

from __future__ import annotations

from typing import Any

from brainsmith import hw_transform

from .inference import (
    QONNX_DOMAIN,
    KernelInference,
    Unmet,
    attribute,
    integer_datatype,
    known_shape,
)


@hw_transform(kernels=["ConvolutionInputGenerator"])
class InferConvolutionInputGenerator(KernelInference):
    """Map qonnx's ``Im2Col`` (the lowering of Conv, NHWC) to ``ConvolutionInputGenerator``
    (SIMD = 1) when its input is integer with batch 1 and it has no padding. After FINN's
    ``InferConvInpGen``.

    Padding is declined with the reason: brainsmith has no padding kernel yet, so a padded
    convolution's window generator stays in software.
    """

    kernel = "ConvolutionInputGenerator"
    candidates = frozenset({(QONNX_DOMAIN, "Im2Col")})

    def map_node(self, model: Any, node: Any) -> None:
        x_name = node.input[0]
        idt = integer_datatype(model, x_name, "input")
        shape = known_shape(model, x_name, "input")
        if len(shape) != 4 or shape[0] != 1:
            raise Unmet(f"input {x_name!r} has shape {shape}; expected NHWC with batch 1")
        pads = [int(p) for p in attribute(node, "pad_amount", [0, 0, 0, 0])]
        if any(pads):
            raise Unmet(
                f"pad_amount={pads}: padding needs a padding kernel, which brainsmith does not "
                "provide yet (use an unpadded convolution or pad in software)"
            )
        kernel_dim = [int(k) for k in attribute(node, "kernel_size", [])]
        stride = [int(s) for s in attribute(node, "stride", [])]
        dilation = [int(d) for d in attribute(node, "dilations", [1, 1])]
        if not (len(kernel_dim) == len(stride) == len(dilation) == 2):
            raise Unmet("kernel_size, stride and dilations must each have two entries")
        _, h, w, channels = shape
        ofm = [
            (size - d * (k - 1) - 1) // s + 1
            for size, k, s, d in zip((h, w), kernel_dim, stride, dilation, strict=True)
        ]
        if min(ofm) < 1:
            raise Unmet(f"the kernel {kernel_dim} does not fit the image {[h, w]}")
        new = self.kernel_node(
            node,
            [x_name],
            [node.output[0]],
            ConvKernelDim=kernel_dim,
            IFMChannels=channels,
            IFMDim=[h, w],
            OFMDim=ofm,
            SIMD=1,
            Stride=stride,
            Dilation=dilation,
            inputDataType=idt.name,
            outputDataType=idt.name,
            depthwise=int(attribute(node, "depthwise", 0)),
        )
        self.replace(model, [node], new, idt)
