"""Python warnings raised while a compile runs (qonnx, onnx, numpy, plugins), captured for the
report's ``warnings`` instead of printed: ``brainsmith compile --quiet`` prints only errors.

The warning filters in force are kept (a warning the filters ignore, such as a library's
``DeprecationWarning``, stays ignored; one turned into an error stays an error); only the
printing is replaced by recording.
"""

from __future__ import annotations

import sys
import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import PurePath


class CapturedWarnings:
    """The warnings recorded so far; :meth:`drain` returns the new ones as report lines."""

    def __init__(self, records: list[warnings.WarningMessage]) -> None:
        self._records = records
        self._seen: set[str] = set()

    def drain(self) -> list[str]:
        """Lines for the warnings recorded since the last call, each once
        (``"UserWarning: text (qonnx/transformation/gemm_to_matmul.py:57)"``)."""
        lines: list[str] = []
        for record in self._records:
            line = describe(record)
            if line not in self._seen:
                self._seen.add(line)
                lines.append(line)
        self._records.clear()
        return lines


def describe(record: warnings.WarningMessage) -> str:
    """One line: the category, the first line of the message and where it was raised (the
    path from the package folder on, not the environment's)."""
    message = str(record.message).strip().splitlines() or [""]
    return f"{record.category.__name__}: {message[0]} ({_where(record.filename)}:{record.lineno})"


def _where(filename: str) -> str:
    """``filename`` relative to the ``sys.path`` folder it was imported from."""
    path = PurePath(filename)
    roots = [PurePath(entry) for entry in sys.path if entry]
    inside = [root for root in roots if path.is_relative_to(root)]
    if not inside:
        return path.name
    return path.relative_to(max(inside, key=lambda root: len(root.parts))).as_posix()


@contextmanager
def captured_warnings() -> Iterator[CapturedWarnings]:
    """Record every warning raised inside the block instead of printing it."""
    with warnings.catch_warnings(record=True) as records:
        yield CapturedWarnings(records)
