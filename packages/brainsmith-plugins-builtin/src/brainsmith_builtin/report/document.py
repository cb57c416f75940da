"""The accelerator report document (``accelerator_report.json``).

Built from what the compile already reports, so the numbers are the compile report's own:
``estimates`` (:func:`brainsmith.hardware.estimate`: per-layer cycles and resources, fps,
latency, bottleneck, device utilisation), ``mapping`` (:func:`brainsmith.hardware.mapping_summary`),
``folding`` (the SetFolding record, for the limiting layer of an unreachable target) and
``target``; plus, from the compiled model, the StreamingFIFO depths on each layer's streams
(:mod:`.fifos`).

The document (``SCHEMA`` 1)::

    {"schema": 1, "model": str, "output": str | None,
     "target": {"fps", "cycles_per_frame", "clock_mhz", "device", "target_cycles"} | None,
     "performance": {"clock_mhz", "fps", "max_cycles", "bottleneck", "latency_cycles",
                     "latency_us", "target_cycles", "target_fps", "meets_target", "limiting"},
     "layers": [{"node", "kernel", "backend", "PE", "SIMD", "folding", "cycles", "LUT", "FF",
                 "BRAM_18K", "URAM", "DSP", "estimated", "bottleneck": bool (the slowest
                 cycles: performance.bottleneck and any layer as slow),
                 "fifo_in": [depth, ...], "fifo_out": [depth, ...], "depth" (FIFOs only)}],
     "totals": {"LUT", "FF", "BRAM_18K", "URAM", "DSP"},
     "device": {"name", "source", "capacity", "utilisation", "over_capacity"} | None,
     "mapping": {"kernels", "software": [{"node", "op_type", "reasons"}], "partition"},
     "warnings": [str, ...]}

Cycles are clock cycles per frame, ``fps`` frames per second at ``clock_mhz``, latency in
cycles and microseconds (an upper bound, see :func:`brainsmith.hardware.estimate`), FIFO
depths in stream words, utilisation a fraction (1.0 = the device is full).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .fifos import fifo_depth, is_fifo, stream_fifos

SCHEMA = 1
"""Version of the document's layout."""
JSON_NAME = "accelerator_report.json"
"""The document's file name in the compile's output folder."""
RESOURCE_KINDS = ("LUT", "FF", "BRAM_18K", "URAM", "DSP")
"""The resource kinds, in the order the report shows them."""
_LAYER_KEYS = ("node", "kernel", "backend", "PE", "SIMD", "folding", "cycles", *RESOURCE_KINDS)


def accelerator_report(model: Any, report: Mapping[str, Any]) -> dict[str, Any] | None:
    """The accelerator report of ``model`` (the compiled qonnx ``ModelWrapper``) from its
    compile ``report`` (the ``compile_report.json`` document, docs/compile.md); ``None`` when
    the compile mapped no hardware (no ``estimates`` section or no kernel layer).

    :raises ValueError: when a StreamingFIFO node has a depth below 1.
    """
    estimates = report.get("estimates")
    if not estimates or not estimates.get("layers"):
        return None
    fifos = stream_fifos(model)
    depths = {node.name: fifo_depth(node) for node in model.graph.node if is_fifo(node)}
    layers: list[dict[str, Any]] = []
    for layer in estimates["layers"]:
        row = {key: layer.get(key) for key in _LAYER_KEYS}
        row["estimated"] = bool(layer.get("estimated", True))
        row["bottleneck"] = layer["cycles"] == estimates.get("max_cycles")
        streams = fifos.get(layer["node"])
        row["fifo_in"] = list(streams.inputs) if streams else []
        row["fifo_out"] = list(streams.outputs) if streams else []
        if layer["node"] in depths:
            row["depth"] = depths[layer["node"]]
        layers.append(row)
    target = report.get("target")
    folding = report.get("folding") or {}
    device = estimates.get("device")
    return {
        "schema": SCHEMA,
        "model": str(report.get("model", "")),
        "output": report.get("output"),
        "target": dict(target) if target else None,
        "performance": _performance(estimates, target, folding.get("limiting")),
        "layers": layers,
        "totals": dict(estimates["totals"]),
        "device": None
        if device is None
        else {
            "name": device["name"],
            "source": device.get("source"),
            "capacity": dict(device["capacity"]),
            "utilisation": estimates.get("utilisation"),
            "over_capacity": list(estimates.get("over_capacity") or []),
        },
        "mapping": _mapping(report.get("mapping")),
        "warnings": list(estimates.get("warnings") or []),
    }


def _performance(
    estimates: Mapping[str, Any], target: Mapping[str, Any] | None, limiting: Any
) -> dict[str, Any]:
    clock_mhz = float(estimates["clock_mhz"])
    target_cycles = estimates.get("target_cycles")
    target_fps = (target or {}).get("fps")
    if target_fps is None and target_cycles:
        target_fps = clock_mhz * 1e6 / target_cycles
    return {
        "clock_mhz": clock_mhz,
        "fps": estimates.get("fps"),
        "max_cycles": estimates.get("max_cycles"),
        "bottleneck": estimates.get("bottleneck"),
        "latency_cycles": estimates.get("latency_cycles"),
        "latency_us": estimates.get("latency_us"),
        "target_cycles": target_cycles,
        "target_fps": target_fps,
        "meets_target": estimates.get("meets_target"),
        "limiting": limiting,
    }


def _mapping(mapping: Mapping[str, Any] | None) -> dict[str, Any]:
    if not mapping:
        return {"kernels": {}, "software": [], "partition": None}
    return {
        "kernels": dict(mapping.get("kernels") or {}),
        "software": [
            {"node": s["node"], "op_type": s["op_type"], "reasons": list(s.get("reasons") or [])}
            for s in mapping.get("software") or []
        ],
        "partition": mapping.get("partition"),
    }
