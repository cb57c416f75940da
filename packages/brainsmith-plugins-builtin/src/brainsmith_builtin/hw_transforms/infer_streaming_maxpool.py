"""``InferStreamingMaxPool``: non-overlapping MaxPool / MaxPoolNHWC -> ``StreamingMaxPool``."""

from __future__ import annotations

from typing import Any

from brainsmith import hw_transform
from onnx import helper

from .inference import (
    QONNX_DOMAIN,
    KernelInference,
    Unmet,
    attribute,
    integer_datatype,
    known_shape,
)

_TO_NCHW = [0, 3, 1, 2]
_TO_NHWC = [0, 2, 3, 1]


@hw_transform(kernels=["StreamingMaxPool"])
class InferStreamingMaxPool(KernelInference):
    """Map a 2-D max pooling whose kernel equals its stride, without padding, dilation or
    ceil mode, on an integer input with batch 1 and an image that the kernel divides, to
    ``StreamingMaxPool`` (PE = 1).

    qonnx's ``MaxPoolNHWC`` maps directly. A standard (NCHW) ``MaxPool`` is wrapped in the
    layout change the NHWC kernel needs: a ``Transpose`` to NCHW that feeds it is absorbed, as
    is a sole consuming ``Transpose`` back to NHWC; otherwise ``Transpose`` nodes are inserted
    (software, until a channels-last conversion removes them).
    """

    kernel = "StreamingMaxPool"
    candidates = frozenset({("", "MaxPool"), (QONNX_DOMAIN, "MaxPoolNHWC")})

    def map_node(self, model: Any, node: Any) -> None:
        x_name = node.input[0]
        dt = integer_datatype(model, x_name, "input")
        shape = known_shape(model, x_name, "input")
        if len(shape) != 4 or shape[0] != 1:
            raise Unmet(f"input {x_name!r} has shape {shape}; expected 4-D with batch 1")
        if len(node.output) > 1 and node.output[1]:
            raise Unmet("the Indices output is used")
        kernel_shape = [int(k) for k in attribute(node, "kernel_shape", [])]
        strides = [int(s) for s in attribute(node, "strides", [1, 1])]
        pads = [int(p) for p in attribute(node, "pads", [0, 0, 0, 0])]
        problems = []
        if len(kernel_shape) != 2 or kernel_shape != strides:
            problems.append(f"kernel_shape={kernel_shape} differs from strides={strides}")
        if any(pads) or attribute(node, "auto_pad", "NOTSET") not in ("NOTSET", "VALID"):
            problems.append(f"padding (pads={pads})")
        if any(int(d) != 1 for d in attribute(node, "dilations", [1, 1])):
            problems.append("dilation")
        if int(attribute(node, "ceil_mode", 0)):
            problems.append("ceil_mode=1")
        if int(attribute(node, "storage_order", 0)):
            problems.append("storage_order=1")
        if problems:
            raise Unmet("unsupported pooling: " + ", ".join(problems))
        nchw = node.op_type == "MaxPool"
        h, w, c = (shape[2], shape[3], shape[1]) if nchw else (shape[1], shape[2], shape[3])
        if h % kernel_shape[0] or w % kernel_shape[1]:
            raise Unmet(f"the image [{h}, {w}] is not a multiple of kernel_shape={kernel_shape}")
        attrs = {"PoolDim": kernel_shape, "NumChannels": c, "ImgDim": [h, w], "PE": 1}
        if not nchw:
            new = self.kernel_node(node, [x_name], [node.output[0]], dataType=dt.name, **attrs)
            self.replace(model, [node], new, dt)
            return
        self._replace_nchw(model, node, dt, attrs, (h, w, c))

    def _replace_nchw(
        self, model: Any, node: Any, dt: Any, attrs: dict[str, Any], hwc: tuple[int, int, int]
    ) -> None:
        h, w, c = hwc
        kh, kw = attrs["PoolDim"]
        old = [node]
        before: list[Any] = []
        after: list[Any] = []
        producer = model.find_producer(node.input[0])
        if _is_transpose(producer, _TO_NCHW) and len(model.find_consumers(node.input[0])) == 1:
            nhwc_in = producer.input[0]
            old.insert(0, producer)
        else:
            nhwc_in = f"{node.output[0]}_nhwc_in"
            model.set_tensor_shape(nhwc_in, [1, h, w, c])
            model.set_tensor_datatype(nhwc_in, dt)
            before.append(
                helper.make_node(
                    "Transpose",
                    [node.input[0]],
                    [nhwc_in],
                    perm=_TO_NHWC,
                    name=f"{node.name}_to_nhwc",
                )
            )
        consumers = model.find_consumers(node.output[0])
        graph_outputs = {t.name for t in model.graph.output}
        if (
            len(consumers) == 1
            and _is_transpose(consumers[0], _TO_NHWC)
            and node.output[0] not in graph_outputs
        ):
            nhwc_out = consumers[0].output[0]
            old.append(consumers[0])
        else:
            nhwc_out = f"{node.output[0]}_nhwc_out"
            model.set_tensor_shape(nhwc_out, [1, h // kh, w // kw, c])
            after.append(
                helper.make_node(
                    "Transpose",
                    [nhwc_out],
                    [node.output[0]],
                    perm=_TO_NCHW,
                    name=f"{node.name}_to_nchw",
                )
            )
        new = self.kernel_node(node, [nhwc_in], [nhwc_out], dataType=dt.name, **attrs)
        self.replace(model, old, new, dt)
        index = list(model.graph.node).index(new)
        for offset, extra in enumerate(before):
            model.graph.node.insert(index + offset, extra)
        index = list(model.graph.node).index(new)
        for offset, extra in enumerate(after, start=1):
            model.graph.node.insert(index + offset, extra)
            model.set_tensor_datatype(extra.output[0], dt)


def _is_transpose(node: Any, perm: list[int]) -> bool:
    return (
        node is not None
        and node.op_type == "Transpose"
        and node.domain == ""
        and [int(p) for p in attribute(node, "perm", [])] == perm
    )
