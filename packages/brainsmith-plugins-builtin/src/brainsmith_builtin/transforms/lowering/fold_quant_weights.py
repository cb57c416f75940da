"""``FoldQuantWeights``: quantized constant weights become integer initializers times a scale."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from onnx import helper
from qonnx.transformation.base import Transformation

from .constants import compact, covering_datatype, integer_valued
from .graph import is_quant, new_constant, sole_consumer
from .notes import UnsupportedNode, record_note
from .quant_params import quant_spec


@transform(name="FoldQuantWeights", stage="topology_optimization")
class FoldQuantWeights(Transformation):  # type: ignore[misc]
    """Replace every ``Quant``/``BipolarQuant`` whose data input is an initializer by an
    integer initializer (its qonnx datatype set: ``INTn``/``UINTn``/``BIPOLAR``, or the
    smallest integer type covering ``level - zero_point``) followed by ``Mul(w_int, scale)``.

    Transposes that only rearrange the quantized constant (``GemmToMatMul`` inserts one for
    ``transB``) are folded into the integer initializer and the scale first, so the ``Mul``
    feeds the MatMul/Conv directly and ``MoveWeightScalePastMatMul`` can move it. A quantizer
    with a non-constant or unsupported parameter (non-integer zero point, zero scale, ...) is
    left as it is and its reason recorded (see ``notes``).
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in list(model.graph.node):
            if not is_quant(node) or model.get_initializer(node.input[0]) is None:
                continue
            try:
                self._fold(model, node)
            except UnsupportedNode as reason:
                record_note(model, node, f"weight quantizer not folded: {reason}")
                continue
            return model, True
        return model, False

    @staticmethod
    def _fold(model: Any, node: Any) -> None:
        spec = quant_spec(model, node)
        weight = np.asarray(model.get_initializer(node.input[0]), dtype=np.float32)
        if not integer_valued(spec.zero_point):
            raise UnsupportedNode(
                f"zero point {compact(spec.zero_point).reshape(-1)[:4].tolist()} is not integer, "
                "so the weights are not integers after subtracting it"
            )
        levels = spec.integer_levels(weight)
        integers = levels - spec.zero_point  # qonnx: (+-1 - zp) * scale for 1-bit signed too
        integers = np.broadcast_to(integers, weight.shape).astype(np.float32)
        scale = np.broadcast_to(spec.scale, weight.shape).astype(np.float32)
        if not np.any(spec.zero_point):
            datatype = spec.datatype()
        else:
            datatype = covering_datatype(float(integers.min()), float(integers.max()))

        output = node.output[0]
        consumer = sole_consumer(model, output)
        removed = []
        while consumer is not None and consumer.op_type == "Transpose":
            perm = next((list(a.ints) for a in consumer.attribute if a.name == "perm"), None)
            perm = perm or list(reversed(range(integers.ndim)))
            integers = integers.transpose(perm)
            scale = scale.transpose(perm)
            removed.append(consumer)
            output = consumer.output[0]
            consumer = sole_consumer(model, output)

        int_name = new_constant(model, integers)
        model.set_tensor_datatype(int_name, datatype)
        scale_name = new_constant(model, compact(scale))
        mul = helper.make_node("Mul", [int_name, scale_name], [output], name=node.name)
        graph = model.graph
        graph.node.insert(list(graph.node).index(node), mul)
        graph.node.remove(node)
        for transpose in removed:
            graph.node.remove(transpose)
