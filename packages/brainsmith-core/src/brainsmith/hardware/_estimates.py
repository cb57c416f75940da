"""The design estimate: per-layer cycles and resources, throughput, latency, utilisation.

:func:`estimate` walks the kernel nodes of a (compiled) model and asks each for its expected
cycles per frame (``HWKernel.get_exp_cycles``) and its resources
(``HWKernel.estimate_resources(device)``, analytic formulas each kernel and backend documents),
then derives what FINN's ``dataflow_performance`` and ``step_generate_estimate_reports`` derive
(Xilinx/finn ``src/finn/analysis/fpgadataflow/dataflow_performance.py``):

- the slowest layer (the **bottleneck**) sets the initiation interval of the pipeline:
  ``fps = clock_hz / max_cycles``;
- **latency** is bounded above by the sum of cycles along the longest path of kernel nodes
  (a layer may start before its producer finishes, so the real first-frame latency is lower;
  FINN calls the same bound "very pessimistic");
- **utilisation** is the total divided by the device's capacity (:mod:`._devices`); a resource
  over 100 % is listed in ``over_capacity`` with a warning, never silently accepted.
"""

from __future__ import annotations

import math
from typing import Any

from qonnx.custom_op.registry import getCustomOp

from .._target import Target, read_target
from ._devices import find_device
from ._domains import is_kernel_node
from ._mapping import kernel_name
from ._resources import RESOURCE_KINDS, Resources


def estimate(model: Any, target: Target | None = None) -> dict[str, Any]:
    """Estimate ``model``'s dataflow design at ``target`` (default: the target stamped in the
    model, :func:`~brainsmith.hardware.read_target`).

    The kernel classes must be registered with qonnx (a compile session does it; on a loaded
    model call ``install_kernels(session)`` or the plugin's registration helper first).

    Returns a JSON-ready dict:

    - ``layers``: one entry per kernel node in graph order: ``node``, ``kernel``, ``backend``
      (``"MVAU_hls"`` or ``None`` before specialisation), ``folding`` (``{"PE": 4, ...}``),
      ``PE`` and ``SIMD`` (``None`` when the kernel has no such parameter), ``cycles`` (per
      frame), ``LUT``, ``FF``, ``BRAM_18K``, ``URAM``, ``DSP`` and ``estimated`` (``False``
      when the kernel has no resource model: its resources count as 0 and a warning says so);
    - ``totals``: the resources summed;
    - ``clock_mhz``, ``max_cycles``, ``bottleneck`` (node name), ``fps``, ``latency_cycles``,
      ``latency_us``; ``target_cycles`` and ``meets_target`` (``None`` without a rate);
    - ``device``: ``{name, source, capacity}`` or ``None``; ``utilisation``: ``{kind:
      fraction}`` or ``None`` when no known device is given; ``over_capacity``: the kinds
      above 100 %;
    - ``warnings``: human-readable lines (unknown device, kernels without a model, over
      capacity, target missed).
    """
    target = target if target is not None else read_target(model)
    device = find_device(target.device)
    warnings: list[str] = []
    if target.device and device is None:
        warnings.append(
            f"device {target.device!r} is not in the device table; utilisation is not computed "
            "(known: xc7z020, xczu3eg, xcu250)"
        )
    layers: list[dict[str, Any]] = []
    cycles_by_node: dict[str, int] = {}
    total = Resources()
    for node in model.graph.node:
        if not is_kernel_node(node):
            continue
        instance = getCustomOp(node)
        folding = {name: int(instance.get_nodeattr(name)) for name in instance.folding_parameters()}
        cycles = int(instance.get_exp_cycles())
        modelled = instance.estimate_resources(device)
        if modelled is None:
            warnings.append(
                f"{node.op_type} node {node.name!r} has no resource model; counted as 0"
            )
        resources = modelled if modelled is not None else Resources()
        total = total + resources
        cycles_by_node[node.name] = cycles
        kernel = kernel_name(node.op_type)
        layers.append(
            {
                "node": node.name,
                "kernel": kernel,
                "backend": node.op_type if node.op_type != kernel else None,
                "folding": folding,
                "PE": folding.get("PE"),
                "SIMD": folding.get("SIMD"),
                "cycles": cycles,
                **resources.to_json(),
                "estimated": modelled is not None,
            }
        )
    clock_hz = target.clock_mhz * 1e6
    max_cycles = max(cycles_by_node.values(), default=0)
    bottleneck = max(cycles_by_node, key=lambda n: cycles_by_node[n]) if cycles_by_node else None
    latency = _longest_path_cycles(model, cycles_by_node)
    target_cycles = target.target_cycles
    meets = None if target_cycles is None or not layers else max_cycles <= target_cycles
    if meets is False:
        warnings.append(
            f"the target of {target_cycles} cycles per frame is not met: {bottleneck!r} takes "
            f"{max_cycles} cycles ({clock_hz / max_cycles:.1f} fps at {target.clock_mhz:g} MHz)"
        )
    utilisation = device.utilisation(total) if device is not None else None
    over = [kind for kind in RESOURCE_KINDS if utilisation and utilisation[kind] > 1.0]
    if device is not None and over:
        warnings.append(
            f"the design does not fit {device.name}: "
            + ", ".join(
                f"{kind} {total.to_json()[kind]} of {getattr(device.capacity, kind):g}"
                for kind in over
            )
        )
    return {
        "layers": layers,
        "totals": total.to_json(),
        "clock_mhz": target.clock_mhz,
        "max_cycles": max_cycles,
        "bottleneck": bottleneck,
        "fps": clock_hz / max_cycles if max_cycles else None,
        "latency_cycles": latency,
        "latency_us": latency / target.clock_mhz if layers else None,
        "target_cycles": target_cycles,
        "meets_target": meets,
        "device": None
        if device is None
        else {"name": device.name, "source": device.source, "capacity": device.capacity.to_json()},
        "utilisation": None
        if utilisation is None
        else {k: (round(v, 6) if math.isfinite(v) else None) for k, v in utilisation.items()},
        "over_capacity": over,
        "warnings": warnings,
    }


def _longest_path_cycles(model: Any, cycles: dict[str, int]) -> int:
    """The largest sum of kernel cycles along any producer-to-consumer path (graph order is
    topological in ONNX)."""
    producer = {out: node.name for node in model.graph.node for out in node.output}
    finish: dict[str, int] = {}
    for node in model.graph.node:
        before = max((finish[producer[name]] for name in node.input if name in producer), default=0)
        finish[node.name] = before + cycles.get(node.name, 0)
    return max(finish.values(), default=0)
