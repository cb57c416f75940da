"""The accelerator report as one self-contained HTML page (``accelerator_report.html``).

Everything is inline: the style sheet, and the two charts as SVG (:mod:`.charts`); no script,
no font, image or link leaves the file. Every piece of text from the document (node names,
reasons, paths) goes through :func:`html.escape`.
"""

from __future__ import annotations

import html
from collections.abc import Iterable, Mapping, Sequence
from pathlib import PurePath
from typing import Any

from .charts import cycles_chart, resources_chart
from .document import RESOURCE_KINDS

HTML_NAME = "accelerator_report.html"
"""The page's file name in the compile's output folder."""

_STYLE = """
:root{--ink:#2d3748;--muted:#718096;--line:#e2e8f0;--bg:#f5f7fa;--card:#fff;
--accent:#4e79a7;--hot:#f28e2b;--bad:#c0392b;--good:#2f855a}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--ink);
font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans","Liberation Sans",sans-serif}
main{max-width:1240px;margin:0 auto;padding:0 20px 32px}
header.top{background:#1f2a3c;color:#fff;padding:22px 0 20px}
header.top .inner{max-width:1240px;margin:0 auto;padding:0 20px;display:flex;
justify-content:space-between;align-items:flex-end;gap:24px}
.eyebrow{text-transform:uppercase;letter-spacing:.08em;font-size:11px;color:#a0aec0}
h1{margin:4px 0 2px;font-size:24px;font-weight:600;word-break:break-all}
.sub{color:#cbd5e0;font-size:13px}
.badge{display:inline-block;padding:6px 14px;border-radius:999px;font-weight:600;
font-size:13px;white-space:nowrap}
.badge.ok{background:#c6f6d5;color:#22543d}.badge.miss{background:#fed7d7;color:#822727}
.badge.none{background:#e2e8f0;color:#2d3748}
.tiles{display:grid;grid-template-columns:repeat(6,1fr);gap:12px;margin:18px 0}
.tile{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 14px}
.tile .k{font-size:11px;text-transform:uppercase;letter-spacing:.06em;color:var(--muted)}
.tile .v{font-size:22px;font-weight:600;margin:2px 0;font-variant-numeric:tabular-nums;
overflow-wrap:anywhere}
.tile .d{font-size:12px;color:var(--muted)}
.tile.hot{border-top:3px solid var(--hot)}.tile.bad .v{color:var(--bad)}
.notes{background:#fffaf0;border:1px solid #fbd38d;border-radius:8px;padding:10px 14px;
margin:0 0 18px}
.notes li{margin:2px 0}
.grid{display:grid;grid-template-columns:1fr 1fr;gap:16px;margin-bottom:16px;align-items:start}
.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:14px 16px;
margin:0 0 16px}
.grid .card{margin:0}
h2{font-size:15px;margin:0 0 8px;font-weight:600}
.hint{color:var(--muted);font-size:12px;margin:4px 0 0}
svg.chart{width:100%;height:auto;display:block}
table{border-collapse:collapse;width:100%;font-variant-numeric:tabular-nums}
th,td{padding:5px 8px;border-bottom:1px solid var(--line);text-align:left;vertical-align:top}
th{font-size:11px;text-transform:uppercase;letter-spacing:.04em;color:var(--muted);
font-weight:600;background:#fafbfc}
td.n,th.n{text-align:right}
tr.bottleneck td{background:#fff4e6}
tbody td:first-child{white-space:nowrap}
tr.bottleneck td:first-child{box-shadow:inset 3px 0 0 var(--hot)}
tr.infra td{color:var(--muted)}
tfoot td{font-weight:600;border-top:2px solid var(--ink);border-bottom:none}
.pill{display:inline-block;font-size:10px;font-weight:600;padding:1px 7px;border-radius:999px;
background:var(--hot);color:#fff;margin-left:6px;vertical-align:1px}
.tag{display:inline-block;font:600 11px ui-monospace,"DejaVu Sans Mono",monospace;
padding:1px 6px;border-radius:4px;background:#e6eef7;color:#2c5282}
.tag.rtl{background:#e9f5ec;color:#276749}
.muted{color:var(--muted)}
.scroll{overflow-x:auto}
.pill.cold{background:var(--line);color:var(--ink)}
.bar{height:3px;background:var(--line);border-radius:2px;margin-top:3px}
.bar span{display:block;height:3px;border-radius:2px;background:var(--accent)}
tr.bottleneck .bar span{background:var(--hot)}
.over{color:var(--bad);font-weight:600}
.chips span{display:inline-block;background:#edf2f7;border-radius:6px;padding:3px 9px;
margin:0 6px 6px 0;font-size:13px}
.chips b{font-variant-numeric:tabular-nums}
dl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:8px 0 0}
dt{color:var(--muted)}dd{margin:0;overflow-wrap:anywhere}
code{font:12px ui-monospace,"DejaVu Sans Mono",monospace;background:#edf2f7;padding:1px 4px;
border-radius:4px}
footer{color:var(--muted);font-size:12px;margin-top:8px}
"""


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def _n(value: object, digits: int = 0) -> str:
    """A number with thousands separators, ``—`` for ``None``."""
    if value is None:
        return "—"
    if isinstance(value, float) and digits:
        return f"{value:,.{digits}f}"
    return f"{round(float(value)):,}" if isinstance(value, float) else f"{value:,}"


def _percent(fraction: float | None) -> str:
    return "—" if fraction is None else f"{100.0 * fraction:.1f} %"


def render_html(document: Mapping[str, Any]) -> str:
    """The page for an accelerator report ``document``
    (:func:`~brainsmith_builtin.report.document.accelerator_report`): header with the model,
    target and verdict; key figures; the cycles-per-layer and resources-versus-device charts;
    the per-layer table; the mapping and the nodes left in software with their reasons."""
    perf = document["performance"]
    layers: Sequence[Mapping[str, Any]] = document["layers"]
    device = document.get("device")
    cycles_svg = cycles_chart(layers, target_cycles=perf.get("target_cycles"))
    resources_svg = resources_chart(
        layers, document["totals"], device["capacity"] if device else None
    )
    title = f"Accelerator report: {_model_name(document)}"
    parts = [
        "<!DOCTYPE html>",
        '<html lang="en"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(title)}</title><style>{_STYLE}</style></head><body>",
        _header(document),
        "<main>",
        _tiles(document),
        _notes(document),
        '<section class="grid">',
        _chart_card("Cycles per layer", cycles_svg, _cycles_hint(perf)),
        _chart_card(
            "Resources versus device" if device else "Resources (no device given)",
            resources_svg,
            _resources_hint(device),
        ),
        "</section>",
        _layer_table(layers, document["totals"], device),
        '<section class="grid">',
        _mapping_card(document["mapping"], len(layers)),
        _software_card(document["mapping"]),
        "</section>",
        "<footer>Written by brainsmith from the compile report. Cycles and resources are "
        "analytic estimates (docs/hardware.md); latency is an upper bound. The same numbers "
        "are in accelerator_report.json.</footer>",
        "</main></body></html>",
    ]
    return "\n".join(parts) + "\n"


def _model_name(document: Mapping[str, Any]) -> str:
    """The model's file with its folder (``cnv_w4a4/torchscript.onnx``): exports are often
    named alike and told apart by their folder."""
    path = PurePath(str(document.get("model") or "model"))
    return "/".join(path.parts[-2:])


def _header(document: Mapping[str, Any]) -> str:
    perf, target, device = document["performance"], document.get("target"), document["device"]
    facts = [f"{_n(perf['clock_mhz'], 1) if perf['clock_mhz'] % 1 else _n(perf['clock_mhz'])} MHz"]
    if device:
        facts.insert(0, str(device["name"]))
    elif target and target.get("device"):
        facts.insert(0, f"{target['device']} (not in the device table)")
    if perf.get("target_cycles") is not None:
        facts.append(
            f"target {_n(perf['target_fps'])} fps = {_n(perf['target_cycles'])} cycles per frame"
        )
    meets = perf.get("meets_target")
    badge = {
        True: ("ok", "✓ meets the target"),
        False: ("miss", "✗ misses the target"),
        None: ("none", "no target given"),
    }[meets]
    return (
        '<header class="top"><div class="inner"><div>'
        '<div class="eyebrow">brainsmith · accelerator report</div>'
        f"<h1>{_e(_model_name(document))}</h1>"
        f'<div class="sub">{_e(document.get("model") or "")}</div>'
        f'<div class="sub">{_e(" · ".join(facts))}</div></div>'
        f'<span class="badge {badge[0]}">{_e(badge[1])}</span></div></header>'
    )


def _tile(key: str, value: str, detail: str, kind: str = "") -> str:
    return (
        f'<div class="tile {kind}"><div class="k">{_e(key)}</div><div class="v">{_e(value)}</div>'
        f'<div class="d">{_e(detail)}</div></div>'
    )


def _tiles(document: Mapping[str, Any]) -> str:
    perf, device, totals = document["performance"], document["device"], document["totals"]
    layers = {layer["node"]: layer for layer in document["layers"]}
    neck = layers.get(perf.get("bottleneck"))
    ties = [n for n, layer in layers.items() if layer["bottleneck"] and n != perf.get("bottleneck")]
    missed = perf.get("meets_target") is False
    tiles = [
        _tile(
            "Throughput",
            f"{_n(perf.get('fps'))} fps",
            f"{_n(perf['clock_mhz'])} MHz / {_n(perf.get('max_cycles'))} cycles",
            "bad" if missed else "",
        ),
        _tile(
            "Bottleneck",
            str(perf.get("bottleneck") or "—"),
            (f"{neck['kernel']} · {_n(neck['cycles'])} cycles" if neck else "")
            + (f"; as slow: {', '.join(ties)}" if ties else ""),
            "hot",
        ),
        _tile(
            "Latency",
            f"{_n(perf.get('latency_us'), 1)} µs",
            f"{_n(perf.get('latency_cycles'))} cycles (upper bound)",
        ),
    ]
    utilisation = device["utilisation"] if device else None
    for kind in ("LUT", "BRAM_18K", "DSP"):
        share = utilisation.get(kind) if utilisation else None
        over = bool(device and kind in device["over_capacity"])
        detail = f"{_percent(share)} of {device['name']}" if device else "no device given"
        tiles.append(_tile(kind, _n(totals[kind]), detail, "bad" if over else ""))
    return f'<section class="tiles">{"".join(tiles)}</section>'


def _notes(document: Mapping[str, Any]) -> str:
    lines = list(document.get("warnings") or [])
    limiting = document["performance"].get("limiting")
    if limiting:
        lines.insert(
            0,
            f"limiting layer {limiting.get('node')}: {limiting.get('cycles')} cycles "
            f"({limiting.get('reason')})",
        )
    if not lines:
        return ""
    items = "".join(f"<li>{_e(line)}</li>" for line in lines)
    return f'<section class="notes"><strong>Warnings</strong><ul>{items}</ul></section>'


def _chart_card(title: str, svg: str, hint: str) -> str:
    return (
        f'<figure class="card"><h2>{_e(title)}</h2>{svg}'
        f'<figcaption class="hint">{_e(hint)}</figcaption></figure>'
    )


def _cycles_hint(perf: Mapping[str, Any]) -> str:
    text = "Clock cycles each layer needs per frame; the slowest sets the frame rate."
    if perf.get("target_cycles") is None:
        return text + " No target was given (--target-fps or --target-cycles)."
    return text + f" The dashed line is the target, {_n(perf['target_cycles'])} cycles."


def _resources_hint(device: Mapping[str, Any] | None) -> str:
    if device is None:
        return "No known device was given (--device xc7z020, xczu3eg or xcu250)."
    return (
        f"Share of {device['name']} per resource, by kernel type. Capacities: {device['source']}."
    )


def _fifos(depths: Iterable[int]) -> str:
    text = " + ".join(_n(d) for d in depths)
    return text or "—"


def _kernel_cell(layer: Mapping[str, Any]) -> str:
    text = _e(layer["kernel"])
    if layer.get("depth") is not None:
        text += f' <span class="muted">depth {_n(layer["depth"])}</span>'
    return text


def _backend_cell(layer: Mapping[str, Any]) -> str:
    """The backend's language as a tag (``hls``, ``rtl``), its full name as the tooltip."""
    backend, kernel = layer.get("backend"), str(layer["kernel"])
    if not backend:
        return '<span class="muted">not specialised</span>'
    language = backend[len(kernel) + 1 :] if backend.startswith(kernel + "_") else backend
    return f'<span class="tag {_e(language)}" title="{_e(backend)}">{_e(language)}</span>'


def _layer_table(
    layers: Sequence[Mapping[str, Any]], totals: Mapping[str, int], device: Any
) -> str:
    longest = max((int(layer["cycles"]) for layer in layers), default=0) or 1
    over = set(device["over_capacity"]) if device else set()
    head = "".join(f'<th class="n">{_e(k)}</th>' for k in ("PE", "SIMD", "cycles", *RESOURCE_KINDS))
    rows = []
    for layer in layers:
        classes = []
        if layer["bottleneck"]:
            classes.append("bottleneck")
        if layer["kernel"] in ("StreamingFIFO", "StreamingDataWidthConverter"):
            classes.append("infra")
        name = _e(layer["node"])
        if layer["bottleneck"]:
            name += '<span class="pill">bottleneck</span>'
        if not layer.get("estimated", True):
            name += (
                '<span class="pill cold" title="no resource model: counted as 0">no model</span>'
            )
        width = 100.0 * int(layer["cycles"]) / longest
        cells = [
            f"<td>{name}</td>",
            f"<td>{_kernel_cell(layer)}</td>",
            f"<td>{_backend_cell(layer)}</td>",
            f'<td class="n">{_n(layer.get("PE"))}</td>',
            f'<td class="n">{_n(layer.get("SIMD"))}</td>',
            f'<td class="n">{_n(layer["cycles"])}'
            f'<div class="bar"><span style="width:{width:.1f}%"></span></div></td>',
            *(f'<td class="n">{_n(layer[k])}</td>' for k in RESOURCE_KINDS),
            f'<td class="n">{_e(_fifos(layer.get("fifo_in") or []))}</td>',
            f'<td class="n">{_e(_fifos(layer.get("fifo_out") or []))}</td>',
        ]
        rows.append(f'<tr class="{" ".join(classes)}">{"".join(cells)}</tr>')
    foot = "".join(
        f'<td class="n{" over" if k in over else ""}">{_n(totals[k])}</td>' for k in RESOURCE_KINDS
    )
    return (
        '<section class="card"><h2>Layers</h2><div class="scroll"><table><thead><tr>'
        f"<th>node</th><th>kernel</th><th>backend</th>{head}"
        '<th class="n">FIFO in</th><th class="n">FIFO out</th></tr>'
        f"</thead><tbody>{''.join(rows)}</tbody><tfoot><tr><td>total</td><td></td><td></td>"
        f"<td></td><td></td><td></td>{foot}<td></td><td></td></tr></tfoot></table></div>"
        '<p class="hint">FIFO depths are in stream words, on the streams into and out of each '
        "layer (— where there is no FIFO).</p></section>"
    )


def _names(values: Iterable[object]) -> str:
    text = ", ".join(f"<code>{_e(v)}</code>" for v in values)
    return text or "none"


def _mapping_card(mapping: Mapping[str, Any], kernel_nodes: int) -> str:
    chips = "".join(
        f"<span>{_e(kernel)} <b>{_n(count)}</b></span>"
        for kernel, count in mapping["kernels"].items()
    )
    partition = mapping.get("partition")
    rows = ""
    if partition:
        rows = (
            f"<dt>stream in</dt><dd>{_names(partition.get('inputs') or [])}</dd>"
            f"<dt>stream out</dt><dd>{_names(partition.get('outputs') or [])}</dd>"
            f"<dt>software before</dt><dd>{_names(partition.get('preprocessing') or [])}</dd>"
            f"<dt>software after</dt><dd>{_names(partition.get('postprocessing') or [])}</dd>"
            f"<dt>software inside</dt><dd>{_names(partition.get('interior_software') or [])}</dd>"
        )
    return (
        f'<section class="card"><h2>Mapping: {_n(kernel_nodes)} kernel nodes</h2>'
        f'<div class="chips">{chips}</div><dl>{rows}</dl></section>'
    )


def _software_card(mapping: Mapping[str, Any]) -> str:
    software = mapping["software"]
    if not software:
        body = '<p class="hint">Every node was mapped to hardware.</p>'
    else:
        rows = "".join(
            f"<tr><td><code>{_e(s['node'])}</code></td><td>{_e(s['op_type'])}</td><td>"
            + "<br>".join(
                _e(f"{r['kernel']}: {r['reason']}" if r.get("kernel") else r["reason"])
                for r in s["reasons"]
            )
            + "</td></tr>"
            for s in software
        )
        body = (
            "<table><thead><tr><th>node</th><th>op</th><th>why it stays in software</th></tr>"
            f"</thead><tbody>{rows}</tbody></table>"
        )
    return (
        f'<section class="card"><h2>Left in software: {_n(len(software))} nodes</h2>'
        f"{body}</section>"
    )
