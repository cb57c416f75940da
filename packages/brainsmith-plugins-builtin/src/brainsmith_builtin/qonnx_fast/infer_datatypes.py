"""``InferDataTypes`` that also knows the element types of ``QuantizeLinear`` /
``DequantizeLinear`` beyond 8/16/32/64-bit integers.

qonnx's pass reads a ``QuantizeLinear`` output's (a ``DequantizeLinear`` input's) element type
through a table of 8- to 64-bit integers and raises ``ValueError: Unsupported element type``
on the 2- and 4-bit integers and the 8-/4-bit floats of opsets 19-25. Here those two operators
are annotated by :func:`quantized_datatype` and every other node by qonnx's own per-node rule,
in the same single sweep.

* ``QuantizeLinear`` output: ``INT<n>`` / ``UINT<n>`` for an n-bit integer element type;
  ``FLOAT32`` for a float element type (float8/float4 values are all exact in float32, and
  qonnx has no DataType with the finite-only ``FN``/``FNUZ`` encodings).
* ``DequantizeLinear`` output: ``SCALEDINT<n>`` of an n-bit integer input (``FLOAT32`` unless
  ``allow_scaledint_dtypes``, as qonnx), ``FLOAT32`` for a float input.

The element type is the tensor's value info's, else the zero point's, else the
``output_dtype`` attribute's, else uint8 (the operator's default).
"""

from __future__ import annotations

from typing import Any

from brainsmith.compile import IndexedModel
from onnx import TensorProto
from qonnx.core.datatype import DataType
from qonnx.transformation.base import Transformation
from qonnx.transformation.infer_datatypes import _infer_node_datatype

from ._graph import elem_types

_INTEGER_BITS: dict[int, tuple[int, bool]] = {
    TensorProto.INT2: (2, True),
    TensorProto.UINT2: (2, False),
    TensorProto.INT4: (4, True),
    TensorProto.UINT4: (4, False),
    TensorProto.INT8: (8, True),
    TensorProto.UINT8: (8, False),
    TensorProto.INT16: (16, True),
    TensorProto.UINT16: (16, False),
    TensorProto.INT32: (32, True),
    TensorProto.UINT32: (32, False),
    TensorProto.INT64: (64, True),
    TensorProto.UINT64: (64, False),
}
"""ONNX integer element types → (bits, signed)."""


def quantized_datatype(elem_type: int, *, dequantized: bool = False) -> Any:
    """The qonnx ``DataType`` of a ``QuantizeLinear`` output of ONNX element type
    ``elem_type`` or, with ``dequantized``, of a ``DequantizeLinear`` output whose input has
    that element type (``SCALEDINT<n>``). ``FLOAT32`` for float element types."""
    if elem_type not in _INTEGER_BITS:
        return DataType["FLOAT32"]
    bits, signed = _INTEGER_BITS[elem_type]
    if dequantized:
        return DataType[f"SCALEDINT<{bits}>"]
    return DataType[f"{'INT' if signed else 'UINT'}{bits}"]


class InferDataTypes(Transformation):  # type: ignore[misc]
    """qonnx's ``InferDataTypes`` with ``QuantizeLinear``/``DequantizeLinear`` of every
    element type; ``allow_scaledint_dtypes`` as qonnx's."""

    def __init__(self, allow_scaledint_dtypes: bool = False) -> None:
        super().__init__()
        self.allow_scaledint_dtypes = allow_scaledint_dtypes

    def apply(self, model: Any) -> tuple[Any, bool]:
        types: dict[str, int] | None = None
        modified = False
        view = IndexedModel(model)  # qonnx's lookups as dictionary lookups: one linear sweep
        for node in model.graph.node:
            if node.op_type in ("QuantizeLinear", "DequantizeLinear") and node.domain in (
                "",
                "ai.onnx",
            ):
                types = types if types is not None else elem_types(model.graph)
                modified |= self._quantizer(view, node, types)
            else:
                modified |= bool(_infer_node_datatype(view, node, self.allow_scaledint_dtypes))
        return model, modified

    def _quantizer(self, model: Any, node: Any, types: dict[str, int]) -> bool:
        if node.op_type == "QuantizeLinear":
            element = _element_type(node, node.output[0], types)
            datatype = quantized_datatype(element)
        else:
            element = _element_type(node, node.input[0], types)
            datatype = quantized_datatype(element, dequantized=True)
            if "SCALEDINT" in datatype.get_canonical_name() and not self.allow_scaledint_dtypes:
                datatype = DataType["FLOAT32"]
        output = node.output[0]
        before = model.get_tensor_datatype(output)
        model.set_tensor_datatype(output, datatype)  # written even when equal, as qonnx does
        return bool(before != datatype)


def _element_type(node: Any, tensor: str, types: dict[str, int]) -> int:
    """The element type of the quantized ``tensor`` of ``node``."""
    if types.get(tensor):
        return types[tensor]
    if len(node.input) > 2 and types.get(node.input[2]):
        return types[node.input[2]]
    for attribute in node.attribute:
        if attribute.name == "output_dtype" and attribute.i:
            return int(attribute.i)
    return int(TensorProto.UINT8)
