"""``QuantActToMultiThreshold``: activation quantizers become ``MultiThreshold`` nodes."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith import transform
from onnx import helper
from qonnx.transformation.base import Transformation

from .constants import along_axis, channel_vector, compact
from .graph import QONNX_DOMAIN, is_quant, new_constant, new_tensor, shape_of, sole_consumer
from .level_chain import find_level_chain, level_thresholds
from .notes import UnsupportedNode, record_note
from .quant_params import quant_spec
from .thresholds import quant_thresholds

LOWEST = float(np.finfo(np.float32).min)
MAX_ACTIVATION_BITS = 16
"""The widest activation quantizer turned into thresholds (65,535 per channel); wider ones
would take minutes and gigabytes to lower, and no threshold kernel takes them."""


def threshold_channel_axis(rank: int) -> int | None:
    """The axis ``MultiThreshold`` treats as channels for a tensor of ``rank`` dims without a
    ``data_layout`` attribute (qonnx: NC, NWC, NCHW); ``None`` when it has no default."""
    return {2: 1, 3: 2, 4: 1}.get(rank)


@transform(name="QuantActToMultiThreshold", stage="topology_optimization")
class QuantActToMultiThreshold(Transformation):  # type: ignore[misc]
    """Replace each activation ``Quant``/``BipolarQuant`` (data input not a constant) by
    ``MultiThreshold`` (domain ``qonnx.custom_op.general``; ``out_dtype`` the quantizer's
    integer type, ``out_bias`` its smallest level; bipolar: ``out_scale=2, out_bias=-1``),
    then ``Add(-zero_point)`` if the zero point is not 0 and ``Mul(scale)`` if the scale is
    not 1; the ``Mul`` writes the quantizer's output tensor.

    Thresholds have shape ``[C, max_int - min_int]`` (``C`` = channels for per-channel
    scales, else 1) and reproduce the quantizer's rounding exactly on float32 inputs (see
    ``thresholds``). A ``Relu`` read only by the quantizer is folded in (thresholds at or below
    0 always fire). A quantizer whose input is computed from the integer levels of an earlier
    ``MultiThreshold`` by elementwise constant ops (``level_chain``) gets thresholds on those
    levels, found by running the original float32 chain on each, and reads them directly (the
    chain's nodes go when nothing else reads them); it stays when that chain decreases.
    Quantizers with non-constant parameters, scales varying along a non-channel axis, or
    unknown shapes stay, with the reason recorded.
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in list(model.graph.node):
            if not is_quant(node) or model.get_initializer(node.input[0]) is not None:
                continue
            try:
                self._convert(model, node)
            except UnsupportedNode as reason:
                record_note(model, node, f"activation quantizer not converted: {reason}")
                continue
            return model, True
        return model, False

    @staticmethod
    def _convert(model: Any, node: Any) -> None:
        spec = quant_spec(model, node)
        if not spec.bipolar and spec.bitwidth > MAX_ACTIVATION_BITS:
            raise UnsupportedNode(
                f"a {spec.bitwidth}-bit activation quantizer needs {2**spec.bitwidth - 1} "
                f"thresholds per channel; above {MAX_ACTIVATION_BITS} bits it stays a Quant"
            )
        source = node.input[0]
        shape = shape_of(model, source)
        if shape is None:
            raise UnsupportedNode(f"the shape of {source} is unknown (run InferShapes first)")
        axis = threshold_channel_axis(len(shape))
        scale = compact(spec.scale)
        zero = compact(spec.zero_point)
        per_tensor = scale.size == 1 and zero.size == 1
        if per_tensor:
            scale_vec, zero_vec = scale.reshape(1), zero.reshape(1)
        else:
            found = None
            if axis is not None:
                found = (
                    channel_vector(spec.scale, shape, axis),
                    channel_vector(spec.zero_point, shape, axis),
                )
            if found is None or found[0] is None or found[1] is None:
                raise UnsupportedNode(
                    f"scale/zero point of shape {list(spec.scale.shape)} vary along an axis "
                    f"other than the channel axis {axis} of a rank-{len(shape)} tensor"
                )
            scale_vec, zero_vec = found[0], found[1]
        graph = model.graph
        chain = find_level_chain(model, source, axis) if axis is not None else None
        if chain is not None:
            thresholds = level_thresholds(chain, spec, scale_vec, zero_vec)
            source = chain.source
        else:
            thresholds = quant_thresholds(spec, scale_vec, zero_vec)
        producer = model.find_producer(source)
        if (
            chain is None
            and producer is not None
            and producer.op_type == "Relu"
            and sole_consumer(model, source) is node
        ):
            thresholds = np.where(thresholds > 0, thresholds, LOWEST)
            source = producer.input[0]
            graph.node.remove(producer)

        output = node.output[0]
        unit_scale = bool(np.all(spec.scale == 1))
        # qonnx subtracts the zero point from bipolar levels too: (+-1 - zp) * scale
        has_zero = bool(np.any(spec.zero_point))
        levels = output if unit_scale and not has_zero else new_tensor(model, shape)
        steps = new_constant(model, thresholds)
        threshold_node = helper.make_node(
            "MultiThreshold",
            [source, steps],
            [levels],
            domain=QONNX_DOMAIN,
            name=node.name,
            out_dtype=spec.datatype().name,
            out_scale=2.0 if spec.bipolar else 1.0,
            out_bias=-1.0 if spec.bipolar else float(spec.min_int),
        )
        new_nodes = [threshold_node]
        rank_axis = axis if axis is not None else 0
        current = levels
        if has_zero:
            shifted = output if unit_scale else new_tensor(model, shape)
            minus_zero = new_constant(model, along_axis(-zero_vec, len(shape), rank_axis))
            new_nodes.append(helper.make_node("Add", [current, minus_zero], [shifted]))
            current = shifted
        if not unit_scale:
            factor = new_constant(model, along_axis(scale_vec, len(shape), rank_axis))
            new_nodes.append(helper.make_node("Mul", [current, factor], [output]))
        index = list(graph.node).index(node)
        for offset, new in enumerate(new_nodes):
            graph.node.insert(index + offset, new)
        graph.node.remove(node)
        if chain is not None:
            _remove_unread(model, [step.node for step in chain.steps])


def _remove_unread(model: Any, nodes: list[Any]) -> None:
    """Remove ``nodes`` (a chain, in execution order) from the last one back while their
    output is neither read nor a graph output."""
    outputs = {o.name for o in model.graph.output}
    for node in reversed(nodes):
        if node.output[0] in outputs or model.find_consumers(node.output[0]):
            return
        model.graph.node.remove(node)
