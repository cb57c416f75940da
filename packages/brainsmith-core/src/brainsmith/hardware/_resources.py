"""FPGA resource counts and the memory-mapping rules shared by every kernel's estimate.

A :class:`Resources` holds LUT, FF, BRAM_18K, URAM and DSP counts (floats: estimates, not
netlists). The helpers below turn a memory of ``depth`` words of ``width`` bits into primitives
the way Xilinx tools map them:

- :func:`bram18_count`: RAMB18 blocks, choosing the best aspect ratio from the configurations of
  Xilinx UG473 (7 Series Memory Resources, table "RAMB18E1 ... port aspect ratios") and UG573
  (UltraScale Memory Resources): 16K x 1, 8K x 2, 4K x 4, 2K x 9, 1K x 18, 512 x 36;
- :func:`lut_memory_luts`: distributed memory (LUTRAM or constant ROM in LUTs), one LUT6 per
  64 x 1 bits (UG474, 7 Series CLB, "distributed RAM": a LUT6 is a 64 x 1 memory);
- :func:`uram_count`: UltraRAM blocks of 4K x 72 (UG573, "UltraRAM").

FINN uses the same three primitives and the same RAMB18 table in its ``bram_estimation``
(Xilinx/finn ``src/finn/custom_op/fpgadataflow/matrixvectoractivation.py``), which is where the
idea comes from; the code here is written from the data sheets.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

RESOURCE_KINDS = ("LUT", "FF", "BRAM_18K", "URAM", "DSP")
"""The resource kinds every estimate reports, in report order."""

_RAMB18_SHAPES = ((16384, 1), (8192, 2), (4096, 4), (2048, 9), (1024, 18), (512, 36))
_URAM_DEPTH, _URAM_WIDTH = 4096, 72
_LUT_MEMORY_DEPTH = 64

DISTRIBUTED_MEMORY_MAX_DEPTH = 64
"""Memories this deep or shallower go to LUTs rather than block RAM (one LUT6 per bit is
cheaper than a RAMB18 until the memory gets deeper): Vivado's default ``rom_style``/``ram_style``
heuristic leans the same way for shallow memories (UG901, "RAM HDL Coding Techniques")."""


@dataclass(frozen=True, slots=True)
class Resources:
    """Counts of ``LUT``, ``FF`` (flip-flops), ``BRAM_18K`` (18 Kb block RAMs), ``URAM``
    (288 Kb UltraRAMs) and ``DSP`` slices. Addable; :meth:`to_json` rounds to whole units."""

    LUT: float = 0.0
    FF: float = 0.0
    BRAM_18K: float = 0.0
    URAM: float = 0.0
    DSP: float = 0.0

    def __add__(self, other: Resources) -> Resources:
        return Resources(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def to_json(self) -> dict[str, int]:
        """``{kind: count}`` in :data:`RESOURCE_KINDS` order, rounded up to whole units."""
        return {kind: math.ceil(getattr(self, kind) - 1e-9) for kind in RESOURCE_KINDS}


def bram18_count(depth: int, width: int) -> int:
    """RAMB18 blocks for a ``depth`` x ``width`` memory: the cheapest of the RAMB18 aspect
    ratios (``ceil(depth / d) * ceil(width / w)`` for each ``d x w`` configuration); 0 for an
    empty memory. Raises ``ValueError`` for negative sizes."""
    _check(depth, width)
    if depth == 0 or width == 0:
        return 0
    return min(math.ceil(depth / d) * math.ceil(width / w) for d, w in _RAMB18_SHAPES)


def lut_memory_luts(depth: int, width: int) -> int:
    """LUT6s for a ``depth`` x ``width`` distributed memory (LUTRAM or constant ROM):
    ``width * ceil(depth / 64)``; the read multiplexers of deeper memories use the slice's
    MUXF7/MUXF8, which are not LUTs. Raises ``ValueError`` for negative sizes."""
    _check(depth, width)
    return width * math.ceil(depth / _LUT_MEMORY_DEPTH) if depth and width else 0


def uram_count(depth: int, width: int) -> int:
    """UltraRAM blocks (4K x 72) for a ``depth`` x ``width`` memory:
    ``ceil(width / 72) * ceil(depth / 4096)``. Raises ``ValueError`` for negative sizes."""
    _check(depth, width)
    if depth == 0 or width == 0:
        return 0
    return math.ceil(width / _URAM_WIDTH) * math.ceil(depth / _URAM_DEPTH)


def memory_resources(depth: int, width: int) -> Resources:
    """A ``depth`` x ``width`` memory as the tools would place it by default: distributed
    (LUTs) up to :data:`DISTRIBUTED_MEMORY_MAX_DEPTH` words, block RAM beyond."""
    if depth <= DISTRIBUTED_MEMORY_MAX_DEPTH:
        return Resources(LUT=lut_memory_luts(depth, width))
    return Resources(BRAM_18K=bram18_count(depth, width))


def _check(depth: int, width: int) -> None:
    if depth < 0 or width < 0:
        raise ValueError(f"a memory needs a non-negative depth and width, got {depth} x {width}")
