"""``sweep_report.html``: one self-contained page (inline CSS and SVG, nothing fetched) with the
Pareto fronts of throughput against LUT and against BRAM drawn as scatter plots, and the table.

Drawn with the standard library: the core keeps plotting libraries out of its dependencies.
"""

from __future__ import annotations

import math
from html import escape
from pathlib import Path

from .._atomic import write_atomic
from ._report import FRONTS, REPORT_NAME, SweepReport
from ._store import Row

_WIDTH, _HEIGHT, _MARGIN = 460, 320, 56
_STYLE = """
body{font:14px/1.4 system-ui,sans-serif;margin:24px;color:#222}
table{border-collapse:collapse;font-size:13px}td,th{padding:3px 8px;border-bottom:1px solid #ddd;
text-align:left}td.n{text-align:right;font-variant-numeric:tabular-nums}
tr.failed td{color:#a00}tr.target_missed td.s{color:#b60}
.plots{display:flex;flex-wrap:wrap;gap:16px}
svg text{font:11px system-ui,sans-serif}
"""


def write_html(report: SweepReport, path: Path | None = None) -> Path:
    """Write the page to ``path`` (default ``<sweep folder>/sweep_report.html``); returns it."""
    target = path if path is not None else report.folder / REPORT_NAME
    counts = ", ".join(f"{n} {status}" for status, n in sorted(report.counts().items()))
    plots = "".join(_plot(report, resource) for resource in FRONTS)
    page = (
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>Sweep report</title>"
        f"<style>{_STYLE}</style></head><body><h1>Sweep report</h1>"
        f"<p>{escape(str(report.folder))}: {len(report.rows)} points ({escape(counts)}). "
        "Orange points are on the Pareto front (no other point has at least their throughput "
        "with at most their resource use).</p>"
        f"<div class='plots'>{plots}</div><h2>Points</h2>{_table(report)}</body></html>\n"
    )
    write_atomic(target, page)
    return target


def _plot(report: SweepReport, resource: str) -> str:
    placed = [
        r for r in report.rows if r.metrics.get("fps") and r.metrics.get(resource) is not None
    ]
    title = f"throughput against {resource}"
    if not placed:
        return f"<figure><figcaption>{title}: no point has estimates</figcaption></figure>"
    xs = [float(r.metrics[resource]) for r in placed]
    ys = [math.log10(float(r.metrics["fps"])) for r in placed]
    x_low, x_high = _span(0.0, max(xs))
    y_low, y_high = _span(math.floor(min(ys)), math.ceil(max(ys)))

    def at(row: Row) -> tuple[float, float]:
        x = float(row.metrics[resource])
        y = math.log10(float(row.metrics["fps"]))
        inner_w, inner_h = _WIDTH - 2 * _MARGIN, _HEIGHT - 2 * _MARGIN
        return (
            _MARGIN + (x - x_low) / (x_high - x_low) * inner_w,
            _HEIGHT - _MARGIN - (y - y_low) / (y_high - y_low) * inner_h,
        )

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{_WIDTH}' height='{_HEIGHT}' "
        f"role='img' aria-label='{title}'>",
        f"<rect x='{_MARGIN}' y='{_MARGIN}' width='{_WIDTH - 2 * _MARGIN}' "
        f"height='{_HEIGHT - 2 * _MARGIN}' fill='none' stroke='#999'/>",
        f"<text x='{_WIDTH / 2}' y='20' text-anchor='middle' font-weight='bold'>{title}</text>",
        f"<text x='{_WIDTH / 2}' y='{_HEIGHT - 14}' text-anchor='middle'>{resource}</text>",
        f"<text x='14' y='{_HEIGHT / 2}' transform='rotate(-90 14 {_HEIGHT / 2})' "
        "text-anchor='middle'>frames per second (log)</text>",
    ]
    for tick in range(int(y_low), int(y_high) + 1):
        y = _HEIGHT - _MARGIN - (tick - y_low) / (y_high - y_low) * (_HEIGHT - 2 * _MARGIN)
        parts.append(f"<text x='{_MARGIN - 4}' y='{y + 4:.1f}' text-anchor='end'>1e{tick}</text>")
    for fraction in (0.0, 0.5, 1.0):
        value = x_low + fraction * (x_high - x_low)
        x = _MARGIN + fraction * (_WIDTH - 2 * _MARGIN)
        parts.append(
            f"<text x='{x:.1f}' y='{_HEIGHT - _MARGIN + 14}' text-anchor='middle'>"
            f"{value:,.0f}</text>"
        )
    front = [r for i in report.fronts[resource] for r in placed if r.id == i]
    if len(front) > 1:
        points = " ".join(f"{x:.1f},{y:.1f}" for x, y in map(at, front))
        parts.append(f"<polyline points='{points}' fill='none' stroke='#e67e22'/>")
    for row in placed:
        x, y = at(row)
        on_front = row.id in report.fronts[resource]
        colour = "#e67e22" if on_front else ("#999" if row.status != "ok" else "#2c7fb8")
        parts.append(
            f"<circle cx='{x:.1f}' cy='{y:.1f}' r='{5 if on_front else 4}' fill='{colour}'>"
            f"<title>{escape(row.id)} {escape(row.label)}: {float(row.metrics['fps']):,.0f} fps, "
            f"{row.metrics[resource]} {resource}</title></circle>"
        )
    parts.append("</svg>")
    return f"<figure>{''.join(parts)}</figure>"


def _span(low: float, high: float) -> tuple[float, float]:
    return (low, high) if high > low else (low - 1, high + 1)


def _table(report: SweepReport) -> str:
    head = (
        "<tr><th>id</th><th>status</th><th>fps</th><th>LUT</th><th>FF</th><th>BRAM_18K</th>"
        "<th>DSP</th><th>pareto</th><th>point</th><th>reason</th></tr>"
    )
    body = []
    for row in report.rows:
        cells = [f"<td>{escape(row.id)}</td>", f"<td class='s'>{escape(row.status)}</td>"]
        for name in ("fps", "LUT", "FF", "BRAM_18K", "DSP"):
            value = row.metrics.get(name)
            text = "-" if value is None else f"{float(value):,.0f}"
            cells.append(f"<td class='n'>{text}</td>")
        cells.append(f"<td>{escape(report.pareto_marks(row))}</td>")
        cells.append(f"<td>{escape(row.label)}</td>")
        cells.append(f"<td>{escape(row.reason)}</td>")
        body.append(f"<tr class='{escape(row.status)}'>{''.join(cells)}</tr>")
    return f"<table>{head}{''.join(body)}</table>"
