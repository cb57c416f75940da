"""A sweep's results read back: the table, the Pareto fronts of throughput against LUT and
against BRAM, and their JSON, CSV and HTML forms.

A point is on a front when no other point has at least its throughput with at most its
resource use, and is strictly better in one of the two. Only points with estimates (``ok``
and ``target_missed``) are placed; failed points are listed with their reasons.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ._store import RESOURCES, Row, open_results

REPORT_NAME = "sweep_report.html"
"""The HTML report's file name in the sweep's folder."""
FRONTS = ("LUT", "BRAM_18K")
"""The resources the Pareto fronts put throughput against."""
COLUMNS = ("id", "status", "fps", "LUT", "FF", "BRAM_18K", "DSP", "pareto", "point", "reason")


@dataclass(frozen=True, slots=True)
class SweepReport:
    """A sweep folder's rows (in the sweep file's order) and, per resource of :data:`FRONTS`,
    the ids of the points on the Pareto front of throughput against it."""

    folder: Path
    rows: tuple[Row, ...]
    fronts: Mapping[str, tuple[str, ...]]

    def counts(self) -> dict[str, int]:
        """Rows per status."""
        found: dict[str, int] = {}
        for row in self.rows:
            found[row.status] = found.get(row.status, 0) + 1
        return found

    def pareto_marks(self, row: Row) -> str:
        """``LUT,BRAM_18K``: the fronts the row is on (``""`` for none)."""
        return ",".join(name for name in FRONTS if row.id in self.fronts[name])

    def to_json(self) -> dict[str, Any]:
        """``{"folder", "counts", "fronts", "points": [row...]}``, each point with its
        ``pareto`` list."""
        return {
            "folder": str(self.folder),
            "counts": self.counts(),
            "fronts": {name: list(ids) for name, ids in self.fronts.items()},
            "points": [
                {**row.to_json(), "pareto": [n for n in FRONTS if row.id in self.fronts[n]]}
                for row in self.rows
            ],
        }

    def to_csv(self) -> str:
        """One line per point: id, status, label, reason, the parameters as JSON, the
        metrics and the fronts it is on."""
        import json

        buffer = io.StringIO()
        metrics = ("fps", "max_cycles", "latency_us", "bottleneck", "meets_target", *RESOURCES)
        writer = csv.writer(buffer, lineterminator="\n")
        writer.writerow(["id", "status", "label", *metrics, "pareto", "parameters", "reason"])
        for row in self.rows:
            writer.writerow(
                [
                    row.id,
                    row.status,
                    row.label,
                    *("" if row.metrics.get(m) is None else row.metrics[m] for m in metrics),
                    self.pareto_marks(row),
                    json.dumps(dict(row.parameters), sort_keys=True),
                    row.reason,
                ]
            )
        return buffer.getvalue()

    def table(self) -> str:
        """The rows as an aligned text table; the ``pareto`` column names the fronts a row is on."""
        lines = [list(COLUMNS)]
        for row in self.rows:
            lines.append(
                [
                    row.id,
                    row.status,
                    _number(row.metrics.get("fps")),
                    *(_number(row.metrics.get(name)) for name in ("LUT", "FF", "BRAM_18K", "DSP")),
                    self.pareto_marks(row),
                    row.label,
                    row.reason.splitlines()[0] if row.reason else "",
                ]
            )
        widths = [max(len(line[i]) for line in lines) for i in range(len(COLUMNS) - 1)]
        return "\n".join(
            "  ".join(cell.ljust(width) for cell, width in zip(line, widths, strict=False))
            + "  "
            + line[-1]
            for line in lines
        )


def sweep_report(folder: str | Path) -> SweepReport:
    """The report of the sweep in ``folder`` (read from its ``sweep.sqlite``).

    :raises StoreError: ``folder`` is not a sweep folder.
    """
    folder = Path(folder)
    with open_results(folder) as store:
        rows = tuple(store.rows())
    fronts = {name: tuple(pareto_front(rows, name)) for name in FRONTS}
    return SweepReport(folder, rows, fronts)


def pareto_front(rows: Sequence[Row], resource: str) -> list[str]:
    """The ids of the rows on the front of throughput (``fps``, higher is better) against
    ``resource`` (lower is better), by increasing resource; rows without both numbers are
    left out."""
    placed = [
        (float(r.metrics["fps"]), float(r.metrics[resource]), r.id)
        for r in rows
        if r.metrics.get("fps") is not None and r.metrics.get(resource) is not None
    ]
    front = []
    for fps, used, identifier in placed:
        dominated = any(f >= fps and u <= used and (f > fps or u < used) for f, u, _ in placed)
        if not dominated:
            front.append((used, -fps, identifier))
    return [identifier for _, _, identifier in sorted(front)]


def _number(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:,.0f}" if value >= 100 else f"{value:.3g}"
    return f"{value:,}" if isinstance(value, int) else str(value)
