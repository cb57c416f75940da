"""``InferClipStream``: ONNX ``Clip`` with constant integer bounds on an integer tensor."""

from __future__ import annotations

from typing import Any

from brainsmith import hw_transform
from brainsmith.hardware import kernel_domain, record_declined, record_mapped
from onnx import helper
from qonnx.transformation.base import Transformation

DOMAIN = kernel_domain("clipk")


@hw_transform(name="InferClipStream", kernels=("ClipStream",))
class InferClipStream(Transformation):  # type: ignore[misc]
    """Map every ``Clip`` whose input is integer-typed and whose bounds are constant integers."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in list(model.graph.node):
            if node.op_type != "Clip" or node.domain:
                continue
            dtype = model.get_tensor_datatype(node.input[0])
            bounds = [model.get_initializer(name) for name in node.input[1:3]]
            if not dtype.is_integer():
                record_declined(
                    model, node, "ClipStream", f"input datatype {dtype.name} is not integer"
                )
                continue
            if len(bounds) != 2 or any(b is None or b.size != 1 for b in bounds):
                record_declined(model, node, "ClipStream", "min and max must be constant scalars")
                continue
            low, high = (float(b.item()) for b in bounds)
            if not (low.is_integer() and high.is_integer()):
                record_declined(model, node, "ClipStream", "min and max must be integers")
                continue
            shape = model.get_tensor_shape(node.input[0])
            kernel = helper.make_node(
                "ClipStream",
                [node.input[0]],
                [node.output[0]],
                domain=DOMAIN,
                name=node.name,
                NumChannels=shape[-1],
                low=int(low),
                high=int(high),
                dataType=dtype.name,
                numInputVectors=list(shape[:-1]),
            )
            index = list(model.graph.node).index(node)
            model.graph.node.remove(node)
            model.graph.node.insert(index, kernel)
            model.set_tensor_datatype(node.output[0], dtype)
            record_mapped(model, kernel, "ClipStream", [node])
            if not any(o.domain == DOMAIN for o in model.model.opset_import):
                model.model.opset_import.append(helper.make_opsetid(DOMAIN, 1))
        return model, False
