"""The parameters of a QONNX ``Quant``/``BipolarQuant`` node and the integers it produces.

Semantics (qonnx ``IntQuant``, a port of Brevitas): ``v = x / scale + zero_point``, clamped to
``[min_int, max_int]`` (from ``bitwidth``, ``signed``, ``narrow``), rounded with
``rounding_mode`` (``ROUND`` is half-to-even), output ``(v_int - zero_point) * scale``. A signed
1-bit ``Quant`` and ``BipolarQuant`` produce ``-1``/``+1`` (``x >= 0``) times the scale.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray
from qonnx.core.datatype import DataType
from qonnx.custom_op.general.intquant import max_int, min_int, resolve_rounding_mode
from qonnx.util.basic import get_by_name

from .constants import integer_valued
from .notes import UnsupportedNode

ROUNDING_MODES = frozenset(
    {"ROUND", "HALF_EVEN", "CEIL", "FLOOR", "UP", "DOWN", "HALF_UP", "HALF_DOWN"}
)


@dataclass(frozen=True)
class QuantSpec:
    """One quantizer. ``scale`` and ``zero_point`` are float32 arrays broadcastable against
    the quantized tensor; ``bipolar`` marks the ``-1``/``+1`` quantizers."""

    scale: NDArray[np.float32]
    zero_point: NDArray[np.float32]
    bitwidth: int
    signed: bool
    narrow: bool
    rounding_mode: str
    bipolar: bool
    scaled_bipolar: bool  # BipolarQuant: the sign of x itself, no division by the scale

    @property
    def min_int(self) -> int:
        """The smallest integer level (before the zero point is subtracted)."""
        return -1 if self.bipolar else int(min_int(self.signed, self.narrow, self.bitwidth))

    @property
    def max_int(self) -> int:
        """The largest integer level."""
        return 1 if self.bipolar else int(max_int(self.signed, self.narrow, self.bitwidth))

    def datatype(self) -> Any:
        """The qonnx ``DataType`` of the integer levels (``BIPOLAR``, ``INTn``, ``UINTn``)."""
        if self.bipolar:
            return DataType["BIPOLAR"]
        if self.bitwidth == 1 and not self.signed:
            return DataType["BINARY"]
        return DataType[f"{'INT' if self.signed else 'UINT'}{self.bitwidth}"]

    def integer_levels(self, x: NDArray[np.generic]) -> NDArray[np.float32]:
        """The integer level ``v_int`` of each element of ``x``, computed in float32 exactly as
        qonnx executes the node (so thresholds derived from it match bit for bit)."""
        x32 = np.asarray(x, dtype=np.float32)
        if self.scaled_bipolar:
            return np.where(x32 >= 0, np.float32(1), np.float32(-1)).astype(np.float32)
        v = (x32 / self.scale + self.zero_point).astype(np.float32)
        if self.bipolar:
            return np.where(v >= 0, np.float32(1), np.float32(-1)).astype(np.float32)
        v = np.clip(v, np.float32(self.min_int), np.float32(self.max_int))
        rounded = resolve_rounding_mode(self.rounding_mode)(v)
        return np.asarray(rounded, dtype=np.float32)


def quant_spec(model: Any, node: Any) -> QuantSpec:
    """Read ``node``'s parameters. Raises ``UnsupportedNode`` naming what is wrong when the
    scale, zero point or bit width is not a constant, the bit width is not a positive integer
    scalar, the scale is not positive, or the rounding mode is unknown."""

    def const(index: int, what: str) -> NDArray[np.float32]:
        name = node.input[index] if len(node.input) > index else "missing"
        value = model.get_initializer(name) if len(node.input) > index else None
        if value is None:
            raise UnsupportedNode(f"the {what} (input {index}, {name}) is not a constant")
        return np.asarray(value, dtype=np.float32)

    scale = const(1, "scale")
    if not np.all(np.isfinite(scale)) or np.any(scale <= 0):
        raise UnsupportedNode("the scale has zero, negative or non-finite entries")
    if node.op_type == "BipolarQuant":
        zero = np.zeros((), dtype=np.float32)
        return QuantSpec(scale, zero, 1, True, False, "ROUND", True, True)
    zero = const(2, "zero point")
    bits = const(3, "bit width")
    if bits.size != 1 or not integer_valued(bits) or int(bits.reshape(())) < 1:
        raise UnsupportedNode(f"the bit width {bits.tolist()} is not one positive integer")
    if not np.all(np.isfinite(zero)):
        raise UnsupportedNode("the zero point has non-finite entries")
    signed_attr = get_by_name(node.attribute, "signed")
    narrow_attr = get_by_name(node.attribute, "narrow")
    mode_attr = get_by_name(node.attribute, "rounding_mode")
    signed = bool(signed_attr.i) if signed_attr is not None else True
    narrow = bool(narrow_attr.i) if narrow_attr is not None else True
    mode = mode_attr.s.decode().upper() if mode_attr is not None else "ROUND"
    if mode not in ROUNDING_MODES:
        raise UnsupportedNode(
            f"rounding_mode {mode!r} is not one of {', '.join(sorted(ROUNDING_MODES))}"
        )
    bitwidth = int(bits.reshape(()))
    bipolar = bitwidth == 1 and signed
    return QuantSpec(scale, zero, bitwidth, signed, narrow, mode, bipolar, False)
