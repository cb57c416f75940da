"""A linear-time ``InferDataTypes`` with exactly qonnx's result.

qonnx's pass (``qonnx.transformation.infer_datatypes.InferDataTypes``) visits the nodes in
graph order and sets each output's QONNX datatype from its inputs' — but every datatype,
value-info and initializer lookup scans the whole graph, so one sweep is quadratic. Here the
same per-node rule (qonnx's own ``_infer_node_datatype``, custom ops' ``infer_node_datatype``
included) runs against an :class:`~._indexed.IndexedModel` over the same model, whose lookups
are dictionary lookups: each sweep is linear, its result identical. On a topologically sorted
graph (qonnx's cleanup sorts it) the first sweep propagates every datatype and the second,
which the apply loop runs to confirm, changes nothing.

:attr:`InferDataTypes.node_rules` maps an op type to a rule of its own, used instead of qonnx's
(the place for element types qonnx does not know, e.g. QuantizeLinear to int4 or float8).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, ClassVar

from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import _infer_node_datatype

from ._indexed import IndexedModel

NodeRule = Callable[[Any, Any, bool], bool]
"""``rule(model, node, allow_scaledint_dtypes) -> changed``: set ``node``'s output datatypes
through ``model``'s ``set_tensor_datatype`` and say whether any changed."""


class InferDataTypes(Transformation):  # type: ignore[misc]
    """qonnx's ``InferDataTypes``, in linear time; same output, byte for byte."""

    node_rules: ClassVar[Mapping[str, NodeRule]] = MappingProxyType({})
    """Rules by standard op type that replace qonnx's; extend in a subclass."""

    def __init__(self, allow_scaledint_dtypes: bool = False) -> None:
        super().__init__()
        self.allow_scaledint_dtypes = allow_scaledint_dtypes

    def apply(self, model: Any) -> tuple[Any, bool]:
        view = IndexedModel(model)
        modified = False
        for node in model.graph.node:
            rule = self.node_rules.get(node.op_type) if not node.domain else None
            infer = rule if rule is not None else _infer_node_datatype
            modified |= bool(infer(view, node, self.allow_scaledint_dtypes))
        return model, modified
