"""A sweep's results: one SQLite table in the output folder, written as points finish.

``DIR/sweep.sqlite`` holds a row per point (``pending`` until its compile ends), so a sweep that
was interrupted (Ctrl-C, a killed process, a lost machine) resumes where it stopped: a re-run
compiles only the points still pending. Only the process driving the sweep writes; each
finished point is one committed transaction.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

from ..errors import BrainsmithError

STORE_NAME = "sweep.sqlite"
"""The results store's file name in the sweep's output folder."""
PENDING = "pending"
METRICS = ("fps", "max_cycles", "latency_us", "bottleneck", "meets_target")
RESOURCES = ("LUT", "FF", "BRAM_18K", "URAM", "DSP")
_SCHEMA = """
CREATE TABLE IF NOT EXISTS points (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    label TEXT NOT NULL,
    parameters TEXT NOT NULL,
    target TEXT NOT NULL,
    status TEXT NOT NULL,
    reason TEXT NOT NULL DEFAULT '',
    fps REAL, max_cycles INTEGER, latency_us REAL, bottleneck TEXT, meets_target INTEGER,
    LUT INTEGER, FF INTEGER, BRAM_18K INTEGER, URAM INTEGER, DSP INTEGER,
    seconds REAL, worker TEXT, resumed_after TEXT, output TEXT NOT NULL,
    finished_at REAL, runs INTEGER NOT NULL DEFAULT 0,
    current INTEGER NOT NULL DEFAULT 1
);
"""


class StoreError(BrainsmithError):
    """The results store cannot be opened or is not a sweep's."""


@dataclass(frozen=True, slots=True)
class Row:
    """One point's row: its id, place in the sweep file, parameters, status and numbers.

    ``status`` is ``pending``, ``ok``, ``target_missed`` or ``failed``; ``metrics`` holds
    ``fps`` (frames/s), ``max_cycles``, ``latency_us``, ``bottleneck``, ``meets_target`` and the
    resource totals ``LUT``, ``FF``, ``BRAM_18K``, ``URAM``, ``DSP`` (``None`` when unknown);
    ``runs`` counts the compiles that produced it.
    """

    id: str
    position: int
    label: str
    parameters: Mapping[str, Any]
    target: Mapping[str, Any]
    status: str
    reason: str
    metrics: Mapping[str, Any]
    seconds: float | None
    worker: str | None
    resumed_after: str | None
    output: str
    finished_at: float | None
    runs: int

    def to_json(self) -> dict[str, Any]:
        """The row as a JSON-ready mapping (metrics flattened in)."""
        return {
            "id": self.id,
            "position": self.position,
            "label": self.label,
            "parameters": dict(self.parameters),
            "target": dict(self.target),
            "status": self.status,
            "reason": self.reason,
            **dict(self.metrics),
            "seconds": self.seconds,
            "worker": self.worker,
            "resumed_after": self.resumed_after,
            "output": self.output,
            "runs": self.runs,
        }


class Store:
    """The results table of one sweep folder. Use as a context manager, or :meth:`close`."""

    def __init__(self, folder: Path) -> None:
        path = folder / STORE_NAME
        try:
            folder.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(path, timeout=30)
            self._db.executescript(_SCHEMA)
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(
                f"cannot open the sweep's results store: {exc}",
                where=str(path),
                fix="choose another output folder with -o, or delete the damaged file",
            ) from None
        self.path = path

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def close(self) -> None:
        self._db.close()

    def add(
        self, rows: Iterable[tuple[str, int, str, Mapping[str, Any], Mapping[str, Any], str]]
    ) -> None:
        """Make ``(id, position, label, parameters, target, output)`` the sweep's points: new
        ones pending, those already in the store keep their row (position and label updated);
        rows of points the sweep no longer has are kept but left out of :meth:`rows`."""
        with self._db:
            self._db.execute("UPDATE points SET current = 0")
            for identifier, position, label, parameters, target, output in rows:
                self._db.execute(
                    "INSERT INTO points (id, position, label, parameters, target, status, output)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?) ON CONFLICT(id) DO UPDATE SET"
                    " position = excluded.position, label = excluded.label, current = 1",
                    (
                        identifier,
                        position,
                        label,
                        _dumps(parameters),
                        _dumps(target),
                        PENDING,
                        output,
                    ),
                )

    def record(
        self,
        identifier: str,
        status: str,
        reason: str,
        metrics: Mapping[str, Any],
        *,
        seconds: float,
        worker: str,
        resumed_after: str | None,
    ) -> None:
        """Store a finished point's outcome (one committed transaction)."""
        values = [metrics.get(name) for name in (*METRICS, *RESOURCES)]
        columns = ", ".join(f"{name} = ?" for name in (*METRICS, *RESOURCES))
        with self._db:
            self._db.execute(
                f"UPDATE points SET status = ?, reason = ?, {columns}, seconds = ?, worker = ?,"
                " resumed_after = ?, finished_at = ?, runs = runs + 1 WHERE id = ?",
                (status, reason, *values, seconds, worker, resumed_after, time.time(), identifier),
            )

    def row(self, identifier: str) -> Row:
        """The row of one point."""
        return next(r for r in self.rows() if r.id == identifier)

    def reset(self, identifiers: Iterable[str]) -> None:
        """Mark points pending again (``--retry-failed``)."""
        with self._db:
            self._db.executemany(
                "UPDATE points SET status = ? WHERE id = ?", [(PENDING, i) for i in identifiers]
            )

    def rows(self) -> list[Row]:
        """The rows of the sweep's current points, in the sweep file's order."""
        names = ", ".join((*METRICS, *RESOURCES))
        cursor = self._db.execute(
            "SELECT id, position, label, parameters, target, status, reason, seconds, worker,"
            f" resumed_after, output, finished_at, runs, {names} FROM points WHERE current = 1"
            " ORDER BY position, id"
        )
        found = []
        for record in cursor.fetchall():
            metrics = dict(zip((*METRICS, *RESOURCES), record[13:], strict=True))
            if metrics["meets_target"] is not None:
                metrics["meets_target"] = bool(metrics["meets_target"])
            found.append(
                Row(
                    id=record[0],
                    position=record[1],
                    label=record[2],
                    parameters=json.loads(record[3]),
                    target=json.loads(record[4]),
                    status=record[5],
                    reason=record[6],
                    metrics=metrics,
                    seconds=record[7],
                    worker=record[8],
                    resumed_after=record[9],
                    output=record[10],
                    finished_at=record[11],
                    runs=record[12],
                )
            )
        return found


def open_results(folder: Path) -> Store:
    """The store of an existing sweep folder (for reports).

    :raises StoreError: ``folder`` holds no ``sweep.sqlite``.
    """
    if not (folder / STORE_NAME).is_file():
        raise StoreError(
            "not a sweep folder: it has no sweep.sqlite",
            where=str(folder),
            fix="give the folder a 'brainsmith sweep SWEEP.yaml -o DIR' wrote",
        )
    return Store(folder)


def _dumps(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=repr)
