"""numpy tensors <-> packed stream words, the bytes the cppsim testbench reads and writes.

A word holds ``elems_per_word`` elements (a kernel's SIMD or PE); element ``i`` occupies bits
``[i*b, (i+1)*b)`` (see :mod:`.elements`). On disk each word takes ``ceil(n*b / 8)`` bytes,
least significant byte first, the unused high bits zero. Tensors are walked in C order, so the
words of a channels-last tensor come out in its folded order (``shape[:-1] + [C/n, n]``).
"""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray

from brainsmith_builtin.backends.hls.elements import Element, Encoding

MAX_ELEMENT_BITS = 63
"""Widest integer element the packer handles (values travel through int64)."""


def word_bits(element: Element, elems_per_word: int) -> int:
    """Width of one stream word in bits: ``elems_per_word * element.bits``."""
    return elems_per_word * element.bits


def word_bytes(element: Element, elems_per_word: int) -> int:
    """Bytes one word takes in the testbench's files (its width rounded up to whole bytes)."""
    return (word_bits(element, elems_per_word) + 7) // 8


def element_codes(values: NDArray[np.generic], element: Element) -> NDArray[np.uint64]:
    """The raw ``element.bits``-bit code of every value (same shape as ``values``).

    Raises:
        ValueError: a value is not representable in the element's datatype (not an integer, out
            of range, or not +-1 for ``BIPOLAR``); the message names the datatype and a value.
    """
    if element.bits > MAX_ELEMENT_BITS and not element.is_float:
        raise ValueError(
            f"{element.datatype} elements are wider than {MAX_ELEMENT_BITS} bits: cannot pack"
        )
    if element.is_float:
        return np.asarray(values, dtype="<f4").view("<u4").astype(np.uint64)
    array = np.asarray(values, dtype=np.float64)
    if element.encoding is Encoding.BIPOLAR:
        bad = (array != 1) & (array != -1)
    else:
        bad = (array != np.round(array)) | (array < element.min) | (array > element.max)
    if np.any(bad):
        example = array[bad].flat[0]
        raise ValueError(
            f"value {example} is not a {element.datatype} value "
            f"({np.count_nonzero(bad)} of {array.size} values are not)"
        )
    if element.encoding is Encoding.BIPOLAR:
        return (array > 0).astype(np.uint64)
    mask = np.uint64((1 << element.bits) - 1)
    return array.astype(np.int64).astype(np.uint64) & mask


def pack_words(values: NDArray[np.generic], element: Element, elems_per_word: int) -> bytes:
    """Pack a tensor (C order, size a multiple of ``elems_per_word``) into stream-word bytes.

    Raises:
        ValueError: the size is not a multiple of ``elems_per_word``, or a value does not fit.
    """
    flat = np.asarray(values).reshape(-1)
    if flat.size % elems_per_word:
        raise ValueError(f"{flat.size} values do not fill whole words of {elems_per_word}")
    codes = element_codes(flat, element).reshape(-1, elems_per_word)
    shifts = np.arange(element.bits, dtype=np.uint64)
    bits = ((codes[..., None] >> shifts) & np.uint64(1)).astype(np.uint8)
    bits = bits.reshape(codes.shape[0], -1)
    padding = word_bytes(element, elems_per_word) * 8 - bits.shape[1]
    bits = np.pad(bits, ((0, 0), (0, padding)))
    return np.packbits(bits, axis=1, bitorder="little").tobytes()


def unpack_words(data: bytes, element: Element, elems_per_word: int) -> NDArray[np.float32]:
    """Decode stream-word bytes into a flat float32 array of element values (C order).

    Raises:
        ValueError: ``data`` is not a whole number of words.
    """
    nbytes = word_bytes(element, elems_per_word)
    if len(data) % nbytes:
        raise ValueError(f"{len(data)} bytes are not a whole number of {nbytes}-byte words")
    raw = np.frombuffer(data, dtype=np.uint8).reshape(-1, nbytes)
    bits = np.unpackbits(raw, axis=1, bitorder="little")[:, : word_bits(element, elems_per_word)]
    bits = bits.reshape(-1, element.bits).astype(np.uint64)
    codes = (bits << np.arange(element.bits, dtype=np.uint64)).sum(axis=1, dtype=np.uint64)
    values: NDArray[np.float32]
    match element.encoding:
        case Encoding.FLOAT32:
            values = codes.astype(np.uint32).view(np.float32)
        case Encoding.BIPOLAR:
            values = (codes.astype(np.float32) * 2 - 1).astype(np.float32)
        case Encoding.SIGNED:
            signed = codes.astype(np.int64)
            signed -= (signed >> (element.bits - 1)) << element.bits
            values = signed.astype(np.float32)
        case _:
            values = codes.astype(np.float32)
    return values
