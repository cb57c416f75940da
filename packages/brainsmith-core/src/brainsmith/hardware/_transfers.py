"""``TransferPattern``: when, within one frame, a kernel reads and writes its stream words.

The characteristic a kernel gives the pipeline simulator (:mod:`._pipeline_sim`), after FINN's
characteristic functions (``derive_characteristic_fxns``) but written analytically from the
kernel's folding instead of measured by rtlsim. A pattern is two kinds of in-order chains: one
read chain per stream input port and one write chain on the output, each transfer taking one
cycle at the earliest, coupled by counts:

- write ``j`` happens at least ``write_gaps[j]`` cycles after write ``j - 1``, and at least
  ``write_latency`` cycles after the ``write_needs[p][j]``-th word of this frame was read on
  every input port ``p`` (0: needs nothing on that port);
- read ``i`` on port ``p`` happens at least ``read_gaps[p][i]`` cycles after the previous read
  on that port, and at least ``read_delay`` cycles after the ``read_needs[p][i]``-th write
  counted from the start of this frame's writes (so a count <= 0 reaches back into the
  previous frame: ``-2`` means "all but the last two writes of the previous frame"); this is
  the kernel's internal buffer running full.

Counts are 1-based (the ``k``-th word), cycles are clock cycles. Each chain also waits for its
stream: a read for the word to be in the FIFO, a write for space in it (the simulator adds those).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]


@dataclass(frozen=True, eq=False)
class TransferPattern:
    """One frame of a kernel's stream transfers (see the module docstring for the semantics).

    ``read_counts[p]`` words per frame on stream input ``p``; ``write_count`` words on the
    output. Arrays have one entry per transfer of the frame. Raises ``ValueError`` from
    :meth:`check` when lengths or values are inconsistent.
    """

    read_counts: tuple[int, ...]
    write_count: int
    write_needs: tuple[IntArray, ...]
    write_gaps: IntArray
    write_latency: int
    read_needs: tuple[IntArray, ...]
    read_gaps: tuple[IntArray, ...]
    read_delay: int

    def check(self, where: str) -> None:
        """Raise ``ValueError`` naming ``where`` if the pattern is inconsistent: array lengths
        differ from the counts, gaps below 1, write needs decreasing, outside ``0..count`` or
        not ending with the whole frame (the last write must need every word read)."""
        ports = len(self.read_counts)
        if len(self.write_needs) != ports or len(self.read_needs) != ports:
            raise ValueError(f"{where}: transfer pattern has inconsistent port counts")
        if len(self.read_gaps) != ports:
            raise ValueError(f"{where}: transfer pattern has inconsistent port counts")
        if self.write_count < 1 or len(self.write_gaps) != self.write_count:
            raise ValueError(f"{where}: write_gaps must have write_count >= 1 entries")
        if np.any(self.write_gaps < 1) or self.write_latency < 1:
            raise ValueError(f"{where}: write gaps and latency must be at least 1 cycle")
        for p, count in enumerate(self.read_counts):
            needs = self.write_needs[p]
            if len(needs) != self.write_count or np.any(np.diff(needs) < 0):
                raise ValueError(f"{where}: write_needs[{p}] must be non-decreasing per write")
            if needs[0] < 0 or needs[-1] != count:
                raise ValueError(
                    f"{where}: write_needs[{p}] must lie in 0..{count} and end at {count} "
                    "(the frame's last write needs every word read)"
                )
            if len(self.read_needs[p]) != count or len(self.read_gaps[p]) != count:
                raise ValueError(f"{where}: read arrays of port {p} need {count} entries")
            if np.any(self.read_gaps[p] < 1):
                raise ValueError(f"{where}: read gaps of port {p} must be at least 1 cycle")
            if np.any(self.read_needs[p] > self.write_count):
                raise ValueError(f"{where}: read_needs[{p}] exceeds the frame's writes")
            if np.any(np.diff(self.read_needs[p]) < 0):
                raise ValueError(f"{where}: read_needs[{p}] must be non-decreasing")


def make_pattern(
    read_counts: Sequence[int],
    write_count: int,
    write_needs: Sequence[npt.ArrayLike],
    *,
    write_gaps: npt.ArrayLike = 1,
    write_latency: int = 1,
    read_needs: Sequence[npt.ArrayLike] | None = None,
    read_gaps: npt.ArrayLike = 1,
    read_delay: int = 1,
) -> TransferPattern:
    """A :class:`TransferPattern`; scalars broadcast (``write_gaps=1``: one word per cycle),
    ``read_needs=None`` lets reads run ahead unboundedly (no internal buffer limit)."""
    counts = tuple(int(c) for c in read_counts)

    def ints(values: npt.ArrayLike, length: int) -> IntArray:
        return np.broadcast_to(np.asarray(values, dtype=np.int64), (length,)).copy()

    reads_needed = read_needs if read_needs is not None else [np.full(c, -(2**40)) for c in counts]
    return TransferPattern(
        read_counts=counts,
        write_count=int(write_count),
        write_needs=tuple(ints(n, write_count) for n in write_needs),
        write_gaps=ints(write_gaps, write_count),
        write_latency=int(write_latency),
        read_needs=tuple(ints(n, c) for n, c in zip(reads_needed, counts, strict=True)),
        read_gaps=tuple(ints(read_gaps, c) for c in counts),
        read_delay=int(read_delay),
    )


def proportional_pattern(
    read_counts: Sequence[int],
    write_count: int,
    cycles: int,
    *,
    latency: int = 2,
    slack_writes: int = 2,
) -> TransferPattern:
    """The default characteristic: every port's words are read at one per cycle, write ``j``
    needs the proportional share ``ceil((j + 1) * R / W)`` of each input, writes are spaced so
    that one frame takes about ``cycles``, and reads run at most ``slack_writes`` output words'
    worth of input ahead of the writes (a small internal buffer)."""
    j = np.arange(write_count, dtype=np.int64)
    needs = [-(-(j + 1) * count // write_count) for count in read_counts]
    gap = max(1, cycles // write_count)
    read_needs = [
        np.arange(count, dtype=np.int64) * write_count // max(count, 1) - slack_writes + 1
        for count in read_counts
    ]
    return make_pattern(
        read_counts,
        write_count,
        needs,
        write_gaps=gap,
        write_latency=latency,
        read_needs=read_needs,
        read_delay=1 - latency,
    )
