"""A QONNX ``Quant`` node with constant parameters as standard ONNX nodes, for execution only.

qonnx's ``int_quant`` computes, in the input's dtype: ``y = x / scale + zeropt``, clamps ``y``
to the integer range (``np.where(y > max, max, y)`` then ``np.where(y < min, min, y)``),
rounds, and returns ``(y - zeropt) * scale``; a signed 1-bit Quant is bipolar instead
(``np.where(y >= 0, 1, -1)``). :func:`quant_as_standard` builds the same operations one for one
(Div, Add, Greater/Less + Where, Round/Floor/Ceil, Sub, Mul), so onnxruntime computes the same
float32 values, NaN and signed zeros included. It translates only what it reproduces exactly:
float32 input, scale, zero point and bit width, the last three initializers, a one-element
integral bit width of 1..24 (its range exact in float32), rounding modes ROUND/HALF_EVEN, FLOOR,
CEIL and DOWN, and standard opset 11 or newer; anything else stays with qonnx.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

QUANT_DOMAINS = frozenset({"qonnx.custom_op.general", "onnx.brevitas", "finn.custom_op.general"})
"""The domains qonnx registers its ``Quant`` op under."""

MIN_OPSET = 11
"""Round and Equal on floats need standard opset 11."""

MAX_BITS = 24
"""Integers up to 2**24 are exact in float32."""

ROUNDINGS = frozenset({"ROUND", "HALF_EVEN", "FLOOR", "CEIL", "DOWN"})


def quant_as_standard(
    node: Any, constants: Mapping[str, Any], elem_types: Mapping[str, int], opset: int
) -> tuple[list[Any], list[Any]] | None:
    """``(nodes, initializers)`` computing ``node`` (a QONNX ``Quant``) with standard ONNX
    operators, bit for bit as qonnx does; ``None`` when ``node`` is not a Quant this module
    translates exactly (see the module text).

    ``constants`` maps initializer names to their numpy values (already sanitized as qonnx
    sanitizes them), ``elem_types`` tensor names to their ONNX element types, ``opset`` is the
    model's standard opset. New tensor names are prefixed by the node's output name.
    """
    import numpy as np
    from onnx import TensorProto, helper, numpy_helper
    from qonnx.custom_op.general.intquant import max_int, min_int

    if node.op_type != "Quant" or node.domain not in QUANT_DOMAINS or opset < MIN_OPSET:
        return None
    if len(node.input) != 4 or len(node.output) != 1 or not all(node.input):
        return None
    x, scale_name, zeropt_name, bits_name = node.input
    if elem_types.get(x) != TensorProto.FLOAT:
        return None
    params = [constants.get(n) for n in (scale_name, zeropt_name, bits_name)]
    scale, zeropt, bits = params
    if scale is None or zeropt is None or bits is None:
        return None
    if any(p.dtype != np.float32 for p in (scale, zeropt, bits)):
        return None
    attrs = {a.name: helper.get_attribute_value(a) for a in node.attribute}
    if set(attrs) - {"signed", "narrow", "rounding_mode"}:
        return None
    signed, narrow = int(attrs.get("signed", 1)), int(attrs.get("narrow", 0))
    rounding = attrs.get("rounding_mode", b"ROUND")
    rounding = (rounding.decode() if isinstance(rounding, bytes) else str(rounding)).upper()
    if bits.size != 1 or rounding not in ROUNDINGS:
        return None
    width = float(bits.reshape(-1)[0])
    if not (width.is_integer() and 1 <= width <= MAX_BITS):
        return None

    out = node.output[0]
    names = iter(range(1000))

    def name() -> str:
        return f"{out}__quant{next(names)}"

    nodes: list[Any] = []
    inits: list[Any] = []

    def const(value: Any) -> str:
        tensor_name = name()
        inits.append(numpy_helper.from_array(np.asarray(value, dtype=np.float32), tensor_name))
        return tensor_name

    def op(op_type: str, *inputs: str, output: str | None = None) -> str:
        result = output if output is not None else name()
        nodes.append(helper.make_node(op_type, list(inputs), [result], name=result))
        return result

    scale_c, zeropt_c = const(scale), const(zeropt)
    y = op("Add", op("Div", x, scale_c), zeropt_c)
    if width == 1 and signed:
        zero = const(0.0)
        at_least_zero = op("Or", op("Greater", y, zero), op("Equal", y, zero))
        y = op("Where", at_least_zero, const(1.0), const(-1.0))
    else:
        high = const(np.asarray(max_int(bool(signed), bool(narrow), bits)).astype(np.float32))
        low = const(np.asarray(min_int(bool(signed), bool(narrow), bits)).astype(np.float32))
        y = op("Where", op("Greater", y, high), high, y)
        y = op("Where", op("Less", y, low), low, y)
        y = _rounded(y, rounding, op, const)
    op("Mul", op("Sub", y, zeropt_c), scale_c, output=out)
    return nodes, inits


def _rounded(y: str, rounding: str, op: Any, const: Any) -> str:
    """``y`` rounded as qonnx's ``resolve_rounding_mode(rounding)`` rounds."""
    if rounding in ("ROUND", "HALF_EVEN"):
        return str(op("Round", y))  # half to even, as np.round
    if rounding == "FLOOR":
        return str(op("Floor", y))
    if rounding == "CEIL":
        return str(op("Ceil", y))
    # DOWN: np.fix, which is floor where y >= 0, else ceil
    zero = const(0.0)
    at_least_zero = op("Or", op("Greater", y, zero), op("Equal", y, zero))
    return str(op("Where", at_least_zero, op("Floor", y), op("Ceil", y)))
