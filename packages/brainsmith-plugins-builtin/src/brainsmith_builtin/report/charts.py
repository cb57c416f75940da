"""The report's two charts, drawn with matplotlib and returned as inline SVG markup.

matplotlib is imported inside the functions (listing plugins must not load it) and only its
SVG backend is used, through a bare ``Figure`` (never ``pyplot``, so no GUI backend). Text is
kept as ``<text>`` elements (``svg.fonttype = none``): small, selectable, and drawn in the
page's fonts. :func:`inline_svg` strips the XML prolog and namespaces and prefixes every id, so
several charts can live in one HTML page and nothing refers outside it.
"""

from __future__ import annotations

import io
import re
from collections.abc import Mapping, Sequence
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from .document import RESOURCE_KINDS

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

COMPUTE = "#4e79a7"
"""Bar colour of a layer within the target."""
INFRASTRUCTURE = "#a0aec0"
"""Bar colour of a FIFO or width converter."""
OVER_TARGET = "#e8a3a3"
"""Bar colour of a layer slower than the target (not the bottleneck)."""
BOTTLENECK = "#f28e2b"
"""Bar colour of the bottleneck layer."""
LIMIT = "#c0392b"
"""Colour of the target line and the capacity line."""
INK = "#2d3748"
"""Colour of text and axes."""
KERNEL_PALETTE = ("#4e79a7", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f", "#ff9da7")
"""Colours of the kernel types in the resource chart (Tableau 10 without its orange and red,
which mean bottleneck and limit here)."""
_INFRASTRUCTURE_KERNELS = frozenset({"StreamingFIFO", "StreamingDataWidthConverter"})
_STYLE: Mapping[str, object] = MappingProxyType(
    {
        "svg.fonttype": "none",
        "text.parse_math": False,
        "font.family": "sans-serif",
        "font.sans-serif": ["DejaVu Sans", "Liberation Sans", "Arial", "Helvetica"],
        "font.size": 9.0,
        "text.color": INK,
        "axes.labelcolor": INK,
        "axes.edgecolor": "#cbd5e0",
        "xtick.color": INK,
        "ytick.color": INK,
        "axes.spines.top": False,
        "axes.spines.right": False,
    }
)
"""matplotlib settings of both charts (``rc_context``)."""
_WIDTH_INCHES = 6.4


def cycles_chart(layers: Sequence[Mapping[str, Any]], *, target_cycles: int | None) -> str:
    """A horizontal bar per layer (``node``, ``kernel``, ``cycles`` per frame, ``bottleneck``
    flag), in pipeline order; the bottleneck layers highlighted, layers slower than
    ``target_cycles`` marked, and the target drawn as a line. Returns ``<svg>`` markup."""
    import matplotlib
    from matplotlib.figure import Figure
    from matplotlib.patches import Patch
    from matplotlib.ticker import FuncFormatter

    names = [str(layer["node"]) for layer in layers]
    cycles = [int(layer["cycles"]) for layer in layers]
    colours = [_cycles_colour(layer, target_cycles=target_cycles) for layer in layers]
    with matplotlib.rc_context(dict[Any, Any](_STYLE)):
        fig = Figure(figsize=(_WIDTH_INCHES, 0.9 + 0.27 * max(len(layers), 3)))
        ax = fig.add_subplot()
        bars = ax.barh(range(len(layers)), cycles, color=colours, height=0.7, zorder=2)
        ax.set_yticks(range(len(layers)), names)
        ax.invert_yaxis()
        for label, layer in zip(ax.get_yticklabels(), layers, strict=True):
            if layer["bottleneck"]:
                label.set_fontweight("bold")
        top = max([*cycles, target_cycles or 0, 1])
        ax.set_xlim(0, top * 1.18)
        for bar, value in zip(bars, cycles, strict=True):
            inside = value > 0.55 * top  # a long bar carries its label inside its end
            ax.text(
                bar.get_width() + (-0.01 if inside else 0.01) * top,
                bar.get_y() + bar.get_height() / 2,
                f"{value:,}",
                va="center",
                ha="right" if inside else "left",
                color="white" if inside else INK,
                fontsize=8,
            )
        legend = [Patch(color=COMPUTE, label="within target" if target_cycles else "layer")]
        if target_cycles is not None:
            ax.axvline(target_cycles, color=LIMIT, linestyle="--", linewidth=1.2, zorder=3)
            ax.text(
                target_cycles,
                1.01,
                f"target {target_cycles:,}",
                color=LIMIT,
                fontsize=8,
                ha="center",
                va="bottom",
                transform=ax.get_xaxis_transform(),
            )
        if OVER_TARGET in colours:
            legend.append(Patch(color=OVER_TARGET, label="slower than target"))
        if INFRASTRUCTURE in colours:
            legend.append(Patch(color=INFRASTRUCTURE, label="FIFO / width converter"))
        legend.append(Patch(color=BOTTLENECK, label="bottleneck"))
        ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
        ax.set_xlabel("clock cycles per frame")
        _grid(ax)
        _legend_below(fig, legend, columns=4)
        return inline_svg(fig, "cycles")


def _cycles_colour(layer: Mapping[str, Any], *, target_cycles: int | None) -> str:
    if layer["bottleneck"]:
        return BOTTLENECK
    if target_cycles is not None and int(layer["cycles"]) > target_cycles:
        return OVER_TARGET
    return INFRASTRUCTURE if layer["kernel"] in _INFRASTRUCTURE_KERNELS else COMPUTE


def resources_chart(
    layers: Sequence[Mapping[str, Any]],
    totals: Mapping[str, int],
    capacity: Mapping[str, int] | None,
) -> str:
    """Per resource kind, a bar of the device utilisation (``totals / capacity``, percent)
    stacked by kernel type, the capacity drawn as a line at 100 %; kinds above it, or used on a
    device without them, in red. Without a ``capacity`` the bars are the absolute totals on a
    log scale. ``layers`` carry ``kernel`` and the resource counts. Returns ``<svg>`` markup."""
    import matplotlib
    from matplotlib.figure import Figure

    kinds = list(RESOURCE_KINDS)
    kernels = sorted({str(layer["kernel"]) for layer in layers})
    used = {
        kernel: [sum(int(row[k]) for row in layers if row["kernel"] == kernel) for k in kinds]
        for kernel in kernels
    }
    with matplotlib.rc_context(dict[Any, Any](_STYLE)):
        fig = Figure(figsize=(_WIDTH_INCHES, 0.9 + 0.34 * len(kinds)))
        ax = fig.add_subplot()
        ax.set_yticks(range(len(kinds)), kinds)
        ax.invert_yaxis()
        if capacity is not None:
            _utilisation_bars(
                ax, kinds=kinds, kernels=kernels, used=used, totals=totals, capacity=capacity
            )
        else:
            _absolute_bars(ax, kinds=kinds, kernels=kernels, used=used, totals=totals)
        _grid(ax)
        _legend_below(fig, ax.get_legend_handles_labels()[0], columns=3)
        return inline_svg(fig, "resources")


def _utilisation_bars(
    ax: Axes,
    *,
    kinds: list[str],
    kernels: list[str],
    used: Mapping[str, list[int]],
    totals: Mapping[str, int],
    capacity: Mapping[str, int],
) -> None:
    from matplotlib.ticker import FuncFormatter

    def percent(count: int, kind: str) -> float:
        return 100.0 * count / capacity[kind] if capacity[kind] else 0.0

    shares = {
        kernel: [percent(n, k) for n, k in zip(used[kernel], kinds, strict=True)]
        for kernel in kernels
    }
    fill = [percent(int(totals[k]), k) for k in kinds]
    right = max(100.0, *fill) * 1.15
    left = [0.0] * len(kinds)
    for i, kernel in enumerate(kernels):
        colour = KERNEL_PALETTE[i % len(KERNEL_PALETTE)]
        ax.barh(
            range(len(kinds)),
            shares[kernel],
            left=left,
            color=colour,
            height=0.6,
            label=kernel,
            zorder=2,
        )
        left = [a + b for a, b in zip(left, shares[kernel], strict=True)]
    for row, kind in enumerate(kinds):
        have, need = int(capacity[kind]), int(totals[kind])
        if not have:
            text = "none on device" if not need else f"{need:,} used, none on device"
        else:
            text = f"{need:,} / {have:,}  ({100.0 * need / have:.1f} %)"
        over = need > have
        if over and not have:
            ax.barh(row, right, color=LIMIT, alpha=0.25, height=0.6, zorder=1)
        ax.text(
            min(fill[row], right * 0.99) + right * 0.012 if have else right * 0.012,
            row,
            text,
            va="center",
            fontsize=8,
            color=LIMIT if over else INK,
            fontweight="bold" if over else "normal",
        )
    ax.axvline(100.0, color=LIMIT, linestyle="--", linewidth=1.2, zorder=3)
    ax.text(
        100.0,
        1.01,
        "device capacity",
        color=LIMIT,
        fontsize=8,
        ha="center",
        va="bottom",
        transform=ax.get_xaxis_transform(),
    )
    ax.set_xlim(0, right)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:.0f} %"))
    ax.set_xlabel("utilisation of the device")


def _absolute_bars(
    ax: Axes,
    *,
    kinds: list[str],
    kernels: list[str],
    used: Mapping[str, list[int]],
    totals: Mapping[str, int],
) -> None:
    left = [0] * len(kinds)
    for i, kernel in enumerate(kernels):
        colour = KERNEL_PALETTE[i % len(KERNEL_PALETTE)]
        ax.barh(
            range(len(kinds)),
            used[kernel],
            left=left,
            color=colour,
            height=0.6,
            label=kernel,
            zorder=2,
        )
        left = [a + b for a, b in zip(left, used[kernel], strict=True)]
    from matplotlib.ticker import FuncFormatter

    ax.set_xscale("symlog", linthresh=1.0)
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _: f"{x:,.0f}"))
    top = max([int(totals[k]) for k in kinds] + [1])
    ax.set_xlim(0, top * 20)
    for row, kind in enumerate(kinds):
        ax.text(
            max(int(totals[kind]), 1) * 1.15, row, f"{int(totals[kind]):,}", va="center", fontsize=8
        )
    ax.set_xlabel("count (log scale; no device given, so no capacity to compare with)")


def _legend_below(fig: Figure, handles: Sequence[Any], *, columns: int) -> None:
    """A legend of ``handles`` centred under the plot, in up to ``columns`` columns; the
    figure grows by the legend's height and the plot is laid out above it."""
    rows = -(-len(handles) // columns) if handles else 0
    height = 0.2 * rows + 0.08 if rows else 0.0
    fig.set_figheight(fig.get_figheight() + height)
    if handles:
        fig.legend(
            handles=list(handles),
            loc="lower center",
            bbox_to_anchor=(0.5, 0.0),
            ncol=min(columns, len(handles)),
            fontsize=8,
            frameon=False,
            handlelength=1.2,
            columnspacing=1.4,
        )
    fig.tight_layout(rect=(0.0, height / fig.get_figheight(), 1.0, 1.0))


def _grid(ax: Axes) -> None:
    ax.grid(axis="x", color="#e2e8f0", linewidth=0.8, zorder=0)
    ax.tick_params(axis="y", length=0)
    ax.set_axisbelow(True)


_PROLOG = re.compile(r"\A.*?(?=<svg\b)", re.DOTALL)
_NAMESPACES = re.compile(r'\s+(?:xmlns(?::\w+)?|version)="[^"]*"')
_SIZE = re.compile(r'\s+(width|height)="[\d.]+pt"')
_METADATA = re.compile(r"<metadata>.*?</metadata>\s*", re.DOTALL)


def inline_svg(fig: Figure, prefix: str) -> str:
    """``fig`` as ``<svg>`` markup for an HTML page: no XML prolog, DOCTYPE, namespaces or
    metadata; ``xlink:href`` as plain ``href``; every id prefixed with ``prefix-`` (and the
    references to it), so charts do not collide; scaled to its container's width."""
    buffer = io.StringIO()
    fig.savefig(
        buffer, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None}
    )
    svg = _PROLOG.sub("", buffer.getvalue())
    svg = _METADATA.sub("", svg)
    svg = _NAMESPACES.sub("", svg)
    svg = _SIZE.sub("", svg, count=2)
    svg = svg.replace("xlink:href=", "href=")
    svg = re.sub(r'\bid="([^"]+)"', rf'id="{prefix}-\1"', svg)
    svg = re.sub(r'(href="#|url\(#)', rf"\1{prefix}-", svg)
    svg = svg.replace("<svg", f'<svg role="img" class="chart" aria-label="{prefix} chart"', 1)
    return svg.strip()
