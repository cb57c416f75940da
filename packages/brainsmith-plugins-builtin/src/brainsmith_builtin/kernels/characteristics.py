"""Transfer patterns of the builtin kernels: their loop structure as read/write chains.

Each function returns a :class:`brainsmith.hardware.TransferPattern` for one frame (semantics in
that class: 1-based counts, a read's need counted from the start of the frame's writes, values
<= 0 reaching into the previous frame). They model the loops of the builtin backends the way
FINN's characteristic functions record them in rtlsim, but analytically: one word per cycle on
each stream at most, the folding deciding how long a kernel computes between transfers.
"""

from __future__ import annotations

import math

import numpy as np
from brainsmith.hardware import TransferPattern, make_pattern

PIPELINE_LATENCY = 2
"""Cycles from the last input a word needs to the word leaving a compute kernel (MAC or
comparator pipeline plus output register)."""


def matrix_vector_pattern(vectors: int, sf: int, nf: int) -> TransferPattern:
    """MVAU with ``sf = MW/SIMD`` synapse folds and ``nf = MH/PE`` neuron folds per vector:
    a vector's ``sf`` words are read in the first neuron fold (one per cycle); each neuron fold
    takes ``sf`` cycles and ends in one output word; the next vector is read once the last fold
    of the previous one is done. Cycles per frame ``vectors * nf * sf``."""
    v = np.repeat(np.arange(vectors, dtype=np.int64), nf)
    n = np.tile(np.arange(nf, dtype=np.int64), vectors)
    reads = np.repeat(np.arange(vectors, dtype=np.int64), sf)
    return make_pattern(
        [vectors * sf],
        vectors * nf,
        [(v + 1) * sf],
        write_gaps=np.where(n == 0, 1, sf),
        write_latency=PIPELINE_LATENCY,
        read_needs=[reads * nf],
        read_delay=1 - PIPELINE_LATENCY,
    )


def elementwise_pattern(words: int, ports: int = 1) -> TransferPattern:
    """One output word per input word (per port), pipelined: Thresholding, AddStreams. Reads
    run at most the pipeline's depth ahead of the writes. Cycles per frame ``words``."""
    index = np.arange(words, dtype=np.int64)
    return make_pattern(
        [words] * ports,
        words,
        [index + 1] * ports,
        write_latency=PIPELINE_LATENCY,
        read_needs=[index - PIPELINE_LATENCY - 1] * ports,
    )


def vector_pattern(vectors: int, fold: int) -> TransferPattern:
    """A whole vector of ``fold`` words is read before its first output word (LayerNorm's mean
    and variance); double-buffered, so vector ``v + 1`` is read while ``v`` is written."""
    v = np.repeat(np.arange(vectors, dtype=np.int64), fold)
    return make_pattern(
        [vectors * fold],
        vectors * fold,
        [(v + 1) * fold],
        write_latency=PIPELINE_LATENCY,
        read_needs=[(v - 1) * fold],
    )


def _rows_done(
    rows: np.ndarray, per_row: int, out_rows: int, height: int, stride: int
) -> np.ndarray:
    """Writes (relative to the frame) done once every output row whose first input row is at
    most ``rows`` (may be negative: the previous frame's rows) is complete."""
    total = out_rows * per_row
    wrapped = rows < 0
    r = np.where(wrapped, rows + height, rows)
    done = np.minimum(out_rows, np.where(r >= 0, r // stride + 1, 0)) * per_row
    return np.where(wrapped, done - total, done)


def sliding_window_pattern(
    ifm: tuple[int, int],
    *,
    ofm: tuple[int, int],
    kernel: tuple[int, int],
    stride: tuple[int, int],
    dilation: tuple[int, int],
    cfold: int,
) -> TransferPattern:
    """ConvolutionInputGenerator: the image streams in row by row (``cfold`` words a pixel)
    into a circular buffer of ``(kh-1)*dh + 2`` rows; window ``(oy, ox)`` (``kh*kw*cfold``
    words) goes out once its bottom-right pixel is in; reading a row overwrites the oldest, so
    it waits for every window that still uses it."""
    (h, w), (oh, ow), (kh, kw) = ifm, ofm, kernel
    (sh, sw), (dh, dw) = stride, dilation
    span_h = (kh - 1) * dh + 1
    per_window = kh * kw * cfold
    oy = np.repeat(np.arange(oh, dtype=np.int64), ow)
    ox = np.tile(np.arange(ow, dtype=np.int64), oh)
    last_pixel = (oy * sh + span_h - 1) * w + ox * sw + (kw - 1) * dw
    needs = np.repeat((last_pixel + 1) * cfold, per_window)
    reads = h * w * cfold
    needs[-1] = reads
    y = np.repeat(np.arange(h, dtype=np.int64), w * cfold)
    return make_pattern(
        [reads],
        oh * ow * per_window,
        [needs],
        write_latency=1,
        read_needs=[_rows_done(y - span_h - 1, ow * per_window, oh, h, sh)],
    )


def pooling_pattern(img: tuple[int, int], pool: tuple[int, int], cfold: int) -> TransferPattern:
    """StreamingMaxPool (non-overlapping ``kh x kw``): output pixel ``(oy, ox)`` goes out as its
    last input pixel arrives; one row of partial maxima is double-buffered, so a row of group
    ``g`` is read once group ``g - 2`` is written."""
    (h, w), (kh, kw) = img, pool
    oh, ow = h // kh, w // kw
    oy = np.repeat(np.arange(oh, dtype=np.int64), ow * cfold)
    ox = np.tile(np.repeat(np.arange(ow, dtype=np.int64), cfold), oh)
    c = np.tile(np.arange(cfold, dtype=np.int64), oh * ow)
    needs = ((oy * kh + kh - 1) * w + ox * kw + kw - 1) * cfold + c + 1
    reads = h * w * cfold
    needs[-1] = reads
    group = np.repeat(np.arange(h, dtype=np.int64), w * cfold) // kh
    return make_pattern(
        [reads],
        oh * ow * cfold,
        [needs],
        write_latency=1,
        read_needs=[(group - 1) * ow * cfold],
    )


def width_converter_pattern(total_bits: int, in_width: int, out_width: int) -> TransferPattern:
    """StreamingDataWidthConverter: output word ``j`` needs the input words holding its bits;
    the buffer holds ``lcm(in, out) + max(in, out)`` bits, so reads run that far ahead."""
    reads, writes = total_bits // in_width, total_bits // out_width
    j = np.arange(1, writes + 1, dtype=np.int64)
    i = np.arange(1, reads + 1, dtype=np.int64)
    capacity = math.lcm(in_width, out_width) + max(in_width, out_width)
    return make_pattern(
        [reads],
        writes,
        [-(-j * out_width // in_width)],
        write_latency=1,
        read_needs=[-(-(i * in_width - capacity) // out_width)],
    )
