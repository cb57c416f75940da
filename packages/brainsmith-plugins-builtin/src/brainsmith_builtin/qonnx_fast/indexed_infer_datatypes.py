"""A linear-time ``InferDataTypes`` with exactly qonnx's result.

qonnx's pass (``qonnx.transformation.infer_datatypes.InferDataTypes``) visits the nodes in
graph order and sets each output's QONNX datatype from its inputs' — but every datatype,
value-info and initializer lookup scans the whole graph, so one sweep is quadratic. Here the
same per-node rule (qonnx's own ``_infer_node_datatype``, custom ops' ``infer_node_datatype``
included) runs against an :class:`~._indexed.IndexedModel` over the same model, whose lookups
are dictionary lookups: each sweep is linear, its result identical. On a topologically sorted
graph (qonnx's cleanup sorts it) the first sweep propagates every datatype and the second,
which the apply loop runs to confirm, changes nothing.

Every node type is left to qonnx's rule, so element types qonnx does not know (QuantizeLinear to
int4 or float8) raise as in qonnx; a pass with rules of its own for them gets the same speed by
running its sweep over ``IndexedModel(model)`` instead of ``model``.
"""

from __future__ import annotations

from typing import Any

from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import _infer_node_datatype

from ._indexed import IndexedModel


class InferDataTypes(Transformation):  # type: ignore[misc]
    """qonnx's ``InferDataTypes``, in linear time; same output, byte for byte."""

    def __init__(self, allow_scaledint_dtypes: bool = False) -> None:
        super().__init__()
        self.allow_scaledint_dtypes = allow_scaledint_dtypes

    def apply(self, model: Any) -> tuple[Any, bool]:
        view = IndexedModel(model)
        modified = False
        for node in model.graph.node:
            modified |= bool(_infer_node_datatype(view, node, self.allow_scaledint_dtypes))
        return model, modified
