"""How datatype values become bits on an RTL stream, and back.

A stream word carries the elements of one fold: element ``i`` sits at bits ``[i*b, (i+1)*b)``
where ``b`` is the element's bit width. Integer elements are stored in two's complement (signed
types) or plain binary (unsigned types); BIPOLAR elements (-1/+1) are one bit, +1 -> 1 and
-1 -> 0. Words are Python ``int`` values, so any width works.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from qonnx.core.datatype import DataType

__all__ = ["ElementFormat", "element_format", "pack_words", "unpack_words"]


@dataclass(frozen=True, slots=True)
class ElementFormat:
    """The bit-level format of one integer datatype.

    ``bits`` is the element width, ``signed`` whether it is two's complement, ``bipolar`` whether
    it is the one-bit -1/+1 encoding; ``minimum``/``maximum`` are the values it can hold.
    """

    name: str
    bits: int
    signed: bool
    bipolar: bool
    minimum: int
    maximum: int

    def encode(self, values: npt.ArrayLike) -> npt.NDArray[np.object_]:
        """Integer values -> their unsigned ``bits``-bit codes (Python ints, any shape).

        Raises ``ValueError`` when a value is not an integer of this datatype.
        """
        array = np.asarray(values, dtype=np.float64)
        if array.size and not np.all(np.isfinite(array) & (array == np.round(array))):
            raise ValueError(f"values for datatype {self.name} must be integers")
        if array.size and (array.min() < self.minimum or array.max() > self.maximum):
            raise ValueError(
                f"values range [{array.min():g}, {array.max():g}] does not fit datatype "
                f"{self.name} [{self.minimum}, {self.maximum}]"
            )
        if self.bipolar:
            if array.size and not np.all(np.abs(array) == 1):
                raise ValueError("BIPOLAR values must be -1 or +1")
            ints = (array > 0).astype(np.int64)
        else:
            ints = array.astype(np.int64)
        mask = (1 << self.bits) - 1
        codes: npt.NDArray[np.object_] = np.vectorize(lambda v: int(v) & mask, otypes=[object])(
            ints
        )
        return codes

    def decode(self, codes: npt.ArrayLike) -> npt.NDArray[np.float32]:
        """Unsigned ``bits``-bit codes -> the values they stand for, as float32."""
        ints = np.asarray(codes, dtype=np.int64)
        if self.bipolar:
            return np.where(ints & 1, 1.0, -1.0).astype(np.float32)
        if self.signed:
            ints = np.where(ints >= 1 << (self.bits - 1), ints - (1 << self.bits), ints)
        return ints.astype(np.float32)


def element_format(datatype: str) -> ElementFormat:
    """The format of a qonnx integer datatype name (``"INT4"``, ``"UINT8"``, ``"BIPOLAR"``, ...).

    Raises ``ValueError`` for an unknown or non-integer datatype.
    """
    try:
        dt = DataType[datatype]
    except KeyError:
        raise ValueError(
            f"unknown datatype {datatype!r}: use a qonnx DataType name such as INT4, UINT8 or "
            "BIPOLAR"
        ) from None
    if not dt.is_integer():
        raise ValueError(
            f"datatype {datatype} is not an integer type: the RTL kernels stream integers only"
        )
    bipolar = dt == DataType["BIPOLAR"]
    return ElementFormat(
        name=datatype,
        bits=int(dt.bitwidth()),
        signed=bool(dt.signed()) and not bipolar,
        bipolar=bipolar,
        minimum=int(dt.min()),
        maximum=int(dt.max()),
    )


def pack_words(folded: npt.ArrayLike, datatype: str) -> list[int]:
    """Pack an array whose last axis is one fold into stream words, in row-major order.

    ``folded`` has shape ``(..., elements_per_word)``; the result has ``prod(shape[:-1])`` words
    of ``elements_per_word * bits`` bits each.
    """
    fmt = element_format(datatype)
    array = np.asarray(folded)
    if array.ndim == 0:
        raise ValueError("pack_words needs an array whose last axis is the fold")
    codes = fmt.encode(array).reshape(-1, array.shape[-1])
    words = []
    for row in codes:
        word = 0
        for index, code in enumerate(row):
            word |= int(code) << (index * fmt.bits)
        words.append(word)
    return words


def unpack_words(
    words: list[int], elements_per_word: int, datatype: str
) -> npt.NDArray[np.float32]:
    """Unpack stream words into an array of shape ``(len(words), elements_per_word)``."""
    fmt = element_format(datatype)
    mask = (1 << fmt.bits) - 1
    codes = [[(word >> (i * fmt.bits)) & mask for i in range(elements_per_word)] for word in words]
    return fmt.decode(np.asarray(codes, dtype=np.int64).reshape(len(words), elements_per_word))
