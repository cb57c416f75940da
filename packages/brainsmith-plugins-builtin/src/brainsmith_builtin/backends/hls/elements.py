"""Stream elements: how a qonnx datatype is stored in a stream word and spelled in C++.

A stream word (``ap_uint<W>``) holds ``n`` elements of ``b`` bits each; element ``i`` sits at
bits ``[i*b, (i+1)*b)``. Signed integers are two's complement, ``BIPOLAR`` is one bit
(+1 -> 1, -1 -> 0) and ``FLOAT32`` is the IEEE-754 single-precision bit pattern.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum

from qonnx.core.datatype import DataType

from brainsmith_builtin.backends.hls.errors import HLSParameterError


class Encoding(Enum):
    """How an element's bits encode its value."""

    UNSIGNED = "unsigned"
    SIGNED = "signed"
    BIPOLAR = "bipolar"
    FLOAT32 = "float32"


@dataclass(frozen=True)
class Element:
    """One element type of a stream: qonnx datatype name, width in bits, encoding, value range."""

    datatype: str
    bits: int
    encoding: Encoding
    min: float
    max: float

    @classmethod
    def of(cls, datatype: str, *, node: str, attribute: str, allow_float: bool = False) -> Element:
        """The element for a qonnx datatype name (``"INT4"``, ``"UINT8"``, ``"BIPOLAR"``, ...).

        Raises:
            HLSParameterError: the name is unknown, or it is not an integer type (``FLOAT32`` is
                accepted only with ``allow_float``).
        """
        where = f"node {node!r}, attribute {attribute!r}"
        try:
            dt = DataType[datatype]
        except (KeyError, TypeError, ValueError, AttributeError):
            raise HLSParameterError(
                f"{datatype!r} is not a qonnx datatype name",
                where=where,
                fix="use a qonnx DataType name such as INT4, UINT8 or BIPOLAR",
            ) from None
        name = dt.get_canonical_name()
        if name == "FLOAT32" and allow_float:
            return cls(name, 32, Encoding.FLOAT32, float(dt.min()), float(dt.max()))
        if not dt.is_integer():
            allowed = "an integer type or FLOAT32" if allow_float else "an integer type"
            raise HLSParameterError(
                f"datatype {name} is not supported here",
                where=where,
                fix=f"use {allowed} (INTn, UINTn, BINARY, BIPOLAR)",
            )
        if name == "BIPOLAR":
            encoding = Encoding.BIPOLAR
        else:
            encoding = Encoding.SIGNED if dt.signed() else Encoding.UNSIGNED
        return cls(name, int(dt.bitwidth()), encoding, float(dt.min()), float(dt.max()))

    @property
    def is_float(self) -> bool:
        """True for ``FLOAT32`` elements."""
        return self.encoding is Encoding.FLOAT32

    @property
    def cpp_type(self) -> str:
        """The C++ type an element is decoded to (bipolar decodes to ``ap_int<2>``: -1 or +1)."""
        match self.encoding:
            case Encoding.UNSIGNED:
                return f"ap_uint<{self.bits}>"
            case Encoding.SIGNED:
                return f"ap_int<{self.bits}>"
            case Encoding.BIPOLAR:
                return "ap_int<2>"
            case Encoding.FLOAT32:
                return "float"

    def decode(self, word: str, index: str) -> str:
        """A C++ expression for element ``index`` (an expression) of the word ``word``."""
        lo = f"({index}) * {self.bits}"
        hi = f"({index}) * {self.bits} + {self.bits - 1}"
        match self.encoding:
            case Encoding.BIPOLAR:
                return f"({word}[{index}] ? ap_int<2>(1) : ap_int<2>(-1))"
            case Encoding.FLOAT32:
                return f"brainsmith_bits_to_float({word}.range({hi}, {lo}))"
            case _:
                return f"{self.cpp_type}({word}.range({hi}, {lo}))"

    def encode(self, word: str, index: str, value: str) -> str:
        """A C++ statement storing ``value`` as element ``index`` of the word ``word``.

        Integer values are truncated to the element's width (the caller checked the range); a
        bipolar element stores 1 for a positive value and 0 otherwise.
        """
        lo = f"({index}) * {self.bits}"
        hi = f"({index}) * {self.bits} + {self.bits - 1}"
        match self.encoding:
            case Encoding.BIPOLAR:
                return f"{word}[{index}] = ({value}) > 0;"
            case Encoding.FLOAT32:
                return f"{word}.range({hi}, {lo}) = brainsmith_float_to_bits({value});"
            case _:
                return f"{word}.range({hi}, {lo}) = {self.cpp_type}({value});"


FLOAT_HELPERS = """\
// IEEE-754 single precision <-> its 32-bit pattern in a stream word.
static inline float brainsmith_bits_to_float(ap_uint<32> bits) {
    union { unsigned int u; float f; } cast;
    cast.u = bits.to_uint();
    return cast.f;
}
static inline ap_uint<32> brainsmith_float_to_bits(float value) {
    union { unsigned int u; float f; } cast;
    cast.f = value;
    return ap_uint<32>(cast.u);
}
"""
"""C++ helpers the float encoders above call; kernels with float streams emit them once."""
