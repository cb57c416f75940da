"""``ConvertToChannelsLast``: the layout transposes left by conv lowering move out of the
network body, so the streaming kernels see NHWC tensors.

``LowerConvToMatMul`` wraps every MatMul in ``Transpose`` to NHWC / back to NCHW. The rules
below move each NHWC->NCHW transpose forward past layout-agnostic nodes (``MultiThreshold``
gains ``data_layout``, ``MaxPool`` becomes qonnx ``MaxPoolNHWC``, constant ``Mul``/``Add`` get
permuted constants) until it meets the inverse transpose (both vanish) or a ``Flatten``
before a MatMul (the MatMul's weight rows are permuted instead).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from onnx import helper
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes

from .graph import (
    QONNX_DOMAIN,
    attribute,
    constant_operand,
    insert_after,
    new_constant,
    new_tensor,
    shape_of,
    sole_consumer,
)
from .move_mul import transposed_constant
from .streamline import run_to_fixed_point

TO_NCHW = [0, 3, 1, 2]
LAYOUTS = {4: {1: "NCHW", 3: "NHWC"}, 2: {1: "NC"}, 3: {2: "NWC", 1: "NCW"}}


def _perm(node: Any, rank: int) -> list[int]:
    return list(attribute(node, "perm") or reversed(range(rank)))


@transform(name="MoveTransposeForward", stage="topology_optimization")
class MoveTransposeForward(Transformation):  # type: ignore[misc]
    """``X(Transpose(x)) -> Transpose(X'(x))`` for ``X`` a ``MultiThreshold`` (channel axis
    mapped through the permutation into ``data_layout``), a constant ``Mul``/``Add``
    (constant permuted back) or a ``MaxPool`` after an NHWC->NCHW transpose (becomes
    ``MaxPoolNHWC``, when it has no dilations and no ``auto_pad``)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            if node.op_type != "Transpose":
                continue
            follower = sole_consumer(model, node.output[0])
            in_shape = shape_of(model, node.input[0])
            if follower is None or in_shape is None or follower.input[0] != node.output[0]:
                continue
            perm = _perm(node, len(in_shape))
            inverse = list(np.argsort(perm))
            replacement = self._rewritten(model, follower, perm, inverse, len(in_shape))
            if replacement is None:
                continue
            final = follower.output[0]
            out_shape = shape_of(model, final)
            pre = None
            if out_shape is not None:
                pre = [out_shape[i] for i in inverse]
            moved = new_tensor(model, pre)
            replacement.input[0] = node.input[0]
            replacement.output[0] = moved
            transpose = helper.make_node("Transpose", [moved], [final], perm=perm)
            insert_after(model, follower, [replacement, transpose])
            model.graph.node.remove(follower)
            model.graph.node.remove(node)
            return model, True
        return model, False

    @staticmethod
    def _rewritten(
        model: Any, follower: Any, perm: list[int], inverse: list[int], rank: int
    ) -> Any | None:
        op = follower.op_type
        if op == "MultiThreshold":
            layout = attribute(follower, "data_layout", "") or LAYOUTS.get(rank, {}).get(1, "")
            if "C" not in layout or len(layout) != rank:
                return None
            new_axis = perm[layout.index("C")]
            new_layout = LAYOUTS.get(rank, {}).get(new_axis)
            if new_layout is None:
                return None
            copy = helper.make_node(
                "MultiThreshold",
                list(follower.input),
                list(follower.output),
                domain=follower.domain,
                name=follower.name,
            )
            copy.attribute.extend(a for a in follower.attribute if a.name != "data_layout")
            copy.attribute.append(helper.make_attribute("data_layout", new_layout))
            return copy
        if op in ("Mul", "Add"):
            operand = constant_operand(model, follower)
            if operand is None:
                return None
            constant = transposed_constant(operand[1], rank, inverse)
            return helper.make_node(
                op,
                [follower.input[0], new_constant(model, constant)],
                list(follower.output),
                name=follower.name,
            )
        if op == "MaxPool" and perm == TO_NCHW:
            if attribute(follower, "auto_pad", "NOTSET") != "NOTSET":
                return None
            if any(d != 1 for d in attribute(follower, "dilations", [1, 1])):
                return None
            kernel = attribute(follower, "kernel_shape")
            return helper.make_node(
                "MaxPoolNHWC",
                list(follower.input),
                list(follower.output[:1]),
                domain=QONNX_DOMAIN,
                name=follower.name,
                kernel_shape=kernel,
                pads=attribute(follower, "pads", [0, 0, 0, 0]),
                strides=attribute(follower, "strides", [1, 1]),
                ceil_mode=attribute(follower, "ceil_mode", 0),
            )
        return None


@transform(name="CancelInverseTransposes", stage="topology_optimization")
class CancelInverseTransposes(Transformation):  # type: ignore[misc]
    """``Transpose(Transpose(x, p), q)`` with ``q`` undoing ``p`` becomes ``x``."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        outputs = {o.name for o in model.graph.output}
        for node in model.graph.node:
            if node.op_type != "Transpose":
                continue
            follower = sole_consumer(model, node.output[0])
            shape = shape_of(model, node.input[0])
            if follower is None or follower.op_type != "Transpose" or shape is None:
                continue
            first, second = _perm(node, len(shape)), _perm(follower, len(shape))
            if [first[i] for i in second] != list(range(len(shape))):
                continue
            if follower.output[0] in outputs:
                continue
            for reader in model.find_consumers(follower.output[0]):
                for i, name in enumerate(reader.input):
                    if name == follower.output[0]:
                        reader.input[i] = node.input[0]
            model.graph.node.remove(follower)
            model.graph.node.remove(node)
            return model, True
        return model, False


@transform(name="AbsorbTransposeIntoFlatten", stage="topology_optimization")
class AbsorbTransposeIntoFlatten(Transformation):  # type: ignore[misc]
    """``MatMul(Flatten(Transpose(x, [0,3,1,2])), W)`` with ``x`` NHWC ``[1, H, W, C]`` becomes
    ``MatMul(Flatten(x), W')`` with ``W'`` the rows of ``W`` reordered from ``(c, h, w)`` to
    ``(h, w, c)`` (qonnx datatype kept). ``Reshape`` to ``[1, C*H*W]`` counts as Flatten."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in model.graph.node:
            if node.op_type != "Transpose":
                continue
            shape = shape_of(model, node.input[0])
            flatten = sole_consumer(model, node.output[0])
            if shape is None or len(shape) != 4 or shape[0] != 1 or flatten is None:
                continue
            if _perm(node, 4) != TO_NCHW or flatten.op_type not in ("Flatten", "Reshape"):
                continue
            flat_shape = shape_of(model, flatten.output[0])
            matmul = sole_consumer(model, flatten.output[0])
            if flat_shape != [1, int(np.prod(shape))] or matmul is None:
                continue
            weights = model.get_initializer(matmul.input[1]) if matmul.op_type == "MatMul" else None
            if weights is None or matmul.input[0] != flatten.output[0]:
                continue
            _, height, width, channels = shape
            rows = np.asarray(weights).reshape(channels, height, width, -1)
            reordered = rows.transpose(1, 2, 0, 3).reshape(height * width * channels, -1)
            name = new_constant(model, reordered)
            model.set_tensor_datatype(name, model.get_tensor_datatype(matmul.input[1]))
            matmul.input[1] = name
            flatten.input[0] = node.input[0]
            model.graph.node.remove(node)
            return model, True
        return model, False


@transform(name="ConvertToChannelsLast", stage="topology_optimization")
class ConvertToChannelsLast(Transformation):  # type: ignore[misc]
    """Run ``MoveTransposeForward``, ``CancelInverseTransposes`` and
    ``AbsorbTransposeIntoFlatten`` to a fixed point. Run after ``Streamline`` (which moves
    scales the other way through transposes)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        rules = [MoveTransposeForward(), CancelInverseTransposes(), AbsorbTransposeIntoFlatten()]
        model = run_to_fixed_point(model, rules)
        return model.transform(InferShapes()), False
