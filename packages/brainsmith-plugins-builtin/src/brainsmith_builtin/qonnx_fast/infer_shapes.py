"""A linear-time ``InferShapes`` with exactly qonnx's result.

qonnx's pass (``qonnx.transformation.infer_shapes.InferShapes``) replaces every custom-op node
by a standard node of the same output shape (inserting and removing list elements: quadratic),
asking each custom op with lookups that scan the graph (quadratic), runs ONNX shape inference
once, wraps the result in a new ``ModelWrapper`` — whose constructor adds a value info for
every initializer a node reads that has none, with one graph scan per tensor (quadratic) — and
then puts the custom nodes back, finding each by the text of its stand-in among the text of
every node.

Here the same steps run with the stand-ins written in place, the custom ops asked through a
:class:`brainsmith.compile.IndexedModel`, the missing value infos added in one sweep (the same
ones, in the same order, while the stand-ins are still in the graph, as qonnx's constructor
does) and the custom nodes put back by position. Putting back by position equals qonnx's search
by text when no two nodes write the same tensor and every stand-in writes one (so no other node
can read as a stand-in), and no stand-in carries a subgraph (shape inference does not change
the others). Models outside that scope, or whose value infos name a tensor twice, go to qonnx's
own pass.
"""

from __future__ import annotations

from typing import Any, cast

import onnx
from brainsmith.compile import IndexedModel, wrap_model
from onnx import AttributeProto
from onnx import shape_inference as onnx_shape_inference
from qonnx.custom_op.registry import is_custom_op
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_shapes import InferShapes as QonnxInferShapes
from qonnx.transformation.infer_shapes import _make_shape_compatible_op

_SUBGRAPH = (AttributeProto.GRAPH, AttributeProto.GRAPHS)
_OLD_DOMAINS = ("finn", "finn.custom_op.general")
"""Domains qonnx's ``ModelWrapper`` rewrites on construction: left to qonnx."""


class InferShapes(Transformation):  # type: ignore[misc]
    """qonnx's ``InferShapes``, in linear time; same output, byte for byte."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        if not _in_scope(graph):
            return _qonnx(model)
        view = IndexedModel(model)
        originals: dict[int, onnx.NodeProto] = {}
        for position, node in enumerate(graph.node):
            if not is_custom_op(node.domain):
                continue
            stand_in = _make_shape_compatible_op(node, view)
            stand_in.name = node.name
            original = onnx.NodeProto()
            original.CopyFrom(node)
            originals[position] = original
            node.CopyFrom(stand_in)
            if not stand_in.output or any(a.type in _SUBGRAPH for a in stand_in.attribute):
                return _qonnx(_restored(model, originals))
        if not _unique_outputs(graph):
            return _qonnx(_restored(model, originals))
        inferred = onnx_shape_inference.infer_shapes(model.model)
        if not _unique_valueinfos(inferred.graph):
            return _qonnx(_restored(model, originals))
        result = wrap_model(inferred)  # qonnx's constructor's value infos, in one sweep
        _restored(result, originals)
        _restored(model, originals)  # qonnx leaves the stand-ins in the model given; not here
        return result, False


def _qonnx(model: Any) -> tuple[Any, bool]:
    """qonnx's own pass."""
    return cast("tuple[Any, bool]", QonnxInferShapes().apply(model))


def _restored(model: Any, originals: dict[int, onnx.NodeProto]) -> Any:
    """``model`` with the custom nodes replaced so far put back."""
    nodes = model.graph.node
    for position, original in originals.items():
        nodes[position].CopyFrom(original)
    return model


def _in_scope(graph: Any) -> bool:
    return not any(node.domain in _OLD_DOMAINS for node in graph.node)


def _unique_outputs(graph: Any) -> bool:
    seen: set[str] = set()
    for node in graph.node:
        for name in node.output:
            if name in seen:
                return False
            seen.add(name)
    return True


def _unique_valueinfos(graph: Any) -> bool:
    names = [vi.name for vi in graph.input]
    names += [vi.name for vi in graph.output]
    names += [vi.name for vi in graph.value_info]
    return len(set(names)) == len(names)
