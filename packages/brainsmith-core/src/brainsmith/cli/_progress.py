"""Progress of a compile: a live status line on a terminal, plain lines otherwise.

``Progress`` implements the executor's observer protocol (:class:`brainsmith.compile.Observer`)
with the standard library only. On a terminal one line is redrawn in place
(``[2/5] topology_optimization > qonnx:InferShapes  1.2s``); when the stream is not a terminal
(CI logs, pipes) each finished transform and stage is one line. ``quiet`` prints nothing.
"""

from __future__ import annotations

import sys
import time
from typing import TYPE_CHECKING, TextIO

if TYPE_CHECKING:
    from ..sweep import Outcome, Row


class Progress:
    """Reports stages and transforms to ``stream`` (default: standard error)."""

    def __init__(
        self, stream: TextIO | None = None, *, quiet: bool = False, tty: bool | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty() if tty is None else tty
        self.began = time.perf_counter()
        self.position = ""
        self._width = 0

    def _elapsed(self) -> str:
        return f"{time.perf_counter() - self.began:.1f}s"

    def _line(self, text: str) -> None:
        if self.quiet:
            return
        if self.tty:
            padding = " " * max(0, self._width - len(text))
            self.stream.write(f"\r{text}{padding}")
            self._width = len(text)
        else:
            self.stream.write(text + "\n")
        self.stream.flush()

    def _finish_line(self) -> None:
        if self.tty and self._width and not self.quiet:
            self.stream.write("\n")
            self.stream.flush()
            self._width = 0

    def message(self, text: str) -> None:
        """A line of its own (a warning, the verification result)."""
        if self.quiet:
            return
        self._finish_line()
        self.stream.write(text + "\n")
        self.stream.flush()

    def stage_begin(self, stage: str, index: int, total: int) -> None:
        self.position = f"[{index}/{total}]"
        if self.tty:
            self._line(f"{self.position} {stage}  {self._elapsed()}")

    def transform_begin(self, stage: str, transform: str) -> None:
        if self.tty:
            self._line(f"{self.position} {stage} > {transform}  {self._elapsed()}")

    def transform_end(self, stage: str, transform: str, seconds: float) -> None:
        if not self.tty:
            self._line(f"{self.position} {stage}: {transform} ({seconds:.3f}s)")

    def stage_end(self, stage: str, seconds: float) -> None:
        if self.tty:
            self._line(f"{self.position} {stage} done in {seconds:.2f}s  {self._elapsed()}")
            self._finish_line()
        else:
            self._line(f"{self.position} {stage} done in {seconds:.2f}s")


class SweepProgress:
    """A sweep's progress bar: finished points of the total, counts by status, elapsed time and
    ETA (from the mean time per point so far). Redrawn in place on a terminal; otherwise one
    line per finished point. Implements :class:`brainsmith.sweep.SweepObserver`."""

    def __init__(
        self, stream: TextIO | None = None, *, quiet: bool = False, tty: bool | None = None
    ) -> None:
        self.stream = stream if stream is not None else sys.stderr
        self.quiet = quiet
        self.tty = self.stream.isatty() if tty is None else tty
        self.began = time.perf_counter()
        self.total = self.done = self.earlier = 0
        self.counts: dict[str, int] = {}

    def begin(self, total: int, done: int, prefixes: int) -> None:
        self.total, self.done, self.earlier = total, done, done
        self.began = time.perf_counter()
        if done:
            self._write(f"{done} of {total} points finished in an earlier run: skipped", True)
        if prefixes:
            self._write(f"building {prefixes} shared stage prefix(es)", True)

    def prefix_done(self, outcome: Outcome) -> None:
        if outcome.status == "failed":
            reason = outcome.reason.splitlines()[0]
            self._write(
                f"warning: a shared prefix failed, its points compile alone: {reason}", True
            )

    def point_done(self, row: Row) -> None:
        self.done += 1
        status = row.status
        self.counts[status] = self.counts.get(status, 0) + 1
        elapsed = time.perf_counter() - self.began
        ran = self.done - self.earlier
        left = self.total - self.done
        eta = f"ETA {elapsed / ran * left:.0f}s" if ran and left else "done"
        width = 24
        filled = round(width * self.done / self.total) if self.total else width
        counts = ", ".join(f"{n} {s}" for s, n in sorted(self.counts.items()))
        bar = "#" * filled + "-" * (width - filled)
        line = f"[{bar}] {self.done}/{self.total} ({counts}) {elapsed:.0f}s {eta}"
        if not self.tty:
            line = f"{self.done}/{self.total} {row.id} {status} ({counts}) {eta}"
        self._write(line, not self.tty)
        if self.tty and not left:
            self._write("", True)

    def _write(self, text: str, own_line: bool) -> None:
        if self.quiet:
            return
        if own_line:
            self.stream.write(text + "\n" if text else "\n")
        else:
            self.stream.write(f"\r{text}\x1b[K")
        self.stream.flush()
