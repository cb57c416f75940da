"""Constant operands of elementwise ops: how they broadcast against a tensor.

Streamlining moves ``Mul``/``Add`` nodes whose second operand is a constant. Whether a move is
valid depends on the constant's *effective* shape: the axes along which it actually varies.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

FloatArray = NDArray[np.float64]


def compact(value: ArrayLike) -> FloatArray:
    """``value`` (as float64) with every axis along which it is constant reduced to length 1
    (same rank)."""
    out = np.asarray(value, dtype=np.float64)
    for axis in range(out.ndim):
        if out.shape[axis] > 1:
            first = np.take(out, [0], axis=axis)
            if np.array_equal(np.broadcast_to(first, out.shape), out):
                out = first
    return out


def varying_axes(value: ArrayLike, rank: int) -> list[int]:
    """The axes (counted in a tensor of ``rank`` dims, numpy broadcasting) along which
    ``value`` varies. ``[]`` for a scalar-like constant."""
    small = compact(value)
    offset = rank - small.ndim
    return [axis + offset for axis in range(small.ndim) if small.shape[axis] > 1]


def is_scalar(value: ArrayLike) -> bool:
    """Whether ``value`` has one distinct value (whatever its shape)."""
    return compact(value).size == 1


def channel_vector(value: ArrayLike, shape: Sequence[int], axis: int) -> FloatArray | None:
    """``value`` (broadcast against a tensor of ``shape``) as a vector of length
    ``shape[axis]``, or ``None`` if it varies along another axis or does not broadcast."""
    value = np.asarray(value, dtype=np.float64)
    rank = len(shape)
    axis = axis % rank
    if np.ndim(value) > rank:
        return None
    try:
        full = np.broadcast_to(value, np.broadcast_shapes(np.shape(value), tuple(shape)))
    except ValueError:
        return None
    if tuple(full.shape) != tuple(shape):
        return None
    if any(a != axis for a in varying_axes(value, rank)):
        return None
    index = tuple(slice(None) if a == axis else 0 for a in range(rank))
    return np.asarray(full[index], dtype=np.float64).reshape(shape[axis])


def along_axis(vector: ArrayLike, rank: int, axis: int) -> FloatArray:
    """``vector`` reshaped to broadcast along ``axis`` of a ``rank``-dim tensor (a scalar-like
    vector becomes a ``()`` array)."""
    vec = np.asarray(vector, dtype=np.float64).reshape(-1)
    if compact(vec).size == 1:
        return np.asarray(vec[0])
    shape = [1] * rank
    shape[axis % rank] = vec.size
    return vec.reshape(shape)


def integer_valued(value: ArrayLike) -> bool:
    """Whether every element of ``value`` is a finite integer."""
    arr = np.asarray(value)
    return bool(np.all(np.isfinite(arr)) and np.array_equal(arr, np.round(arr)))


def covering_datatype(low: float, high: float) -> Any:
    """The smallest qonnx integer ``DataType`` holding every integer in ``[low, high]``
    (``BINARY``/``UINTn`` when ``low >= 0``, else ``INTn``; at most 64 bits)."""
    from qonnx.core.datatype import DataType

    for bits in range(1, 65):
        if low >= 0:
            name = "BINARY" if bits == 1 else f"UINT{bits}"
        elif bits == 1:
            continue
        else:
            name = f"INT{bits}"
        datatype = DataType[name]
        if datatype.min() <= low and high <= datatype.max():
            return datatype
    raise ValueError(f"no integer datatype of at most 64 bits holds [{low}, {high}]")
