"""The hardware sections of the compile report, read from what the hw_transforms recorded in
the compiled model: the kernel mapping, the folding, and the design's estimates.

Each section is ``None`` when the compile mapped no hardware.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

LOWERING_KEY = "brainsmith.lowering"
"""The model metadata key of the lowering's notes: nodes it left as they were, and why."""


def hardware_sections(model: ModelWrapper) -> dict[str, Any]:
    """``{"mapping": ..., "folding": ..., "estimates": ...}`` for the report.

    ``mapping``: :func:`brainsmith.hardware.mapping_summary`; ``folding``: the folding
    record plus the chosen ``config`` (FINN's ``folding_config.json`` shape); ``estimates``:
    :func:`brainsmith.hardware.estimate` (cycles, resources, throughput, latency, utilisation).
    """
    from ..hardware import MAPPING_KEY, estimate, folding_config, mapping_summary, read_folding

    if model.get_metadata_prop(MAPPING_KEY) is None:
        return {"mapping": None, "folding": None, "estimates": None}

    folding = read_folding(model)
    return {
        "mapping": _with_lowering_notes(mapping_summary(model), model),
        "folding": {**folding, "config": folding_config(model)} if folding is not None else None,
        "estimates": estimate(model),
    }


def _with_lowering_notes(mapping: dict[str, Any], model: ModelWrapper) -> dict[str, Any]:
    """The mapping with the lowering's notes (``lowering``: ``{node, op_type, output,
    reason}``), each also first among the reasons of the software node it explains
    (``{"kernel": None, "reason": "not lowered: ..."}``): why a node was not lowered says more
    than why no kernel took what was left."""
    import json

    text = next((p.value for p in model.model.metadata_props if p.key == LOWERING_KEY), "")
    notes: list[dict[str, str]] = json.loads(text) if text else []
    by_node = {note["node"]: note["reason"] for note in notes}
    for entry in mapping.get("software", []):
        reason = by_node.get(entry.get("node", ""))
        if reason:
            note = {"kernel": None, "reason": f"not lowered: {reason}"}
            entry["reasons"] = [note, *entry.get("reasons", [])]
    return {**mapping, "lowering": notes}


def hardware_warnings(sections: dict[str, Any], target_given: bool) -> list[str]:
    """What a user must not miss in the hardware sections: the folding's and the estimate's
    warnings, software caught inside the dataflow partition, kernel nodes left without a
    backend, and a target no folding pass used."""
    warnings: list[str] = []
    mapping, folding, estimates = sections["mapping"], sections["folding"], sections["estimates"]
    if folding is not None:
        warnings += [f"folding: {w}" for w in folding.get("warnings", [])]
    if estimates is not None:
        warnings += [f"estimates: {w}" for w in estimates.get("warnings", [])]
    if mapping is not None:
        interior = mapping.get("partition", {}).get("interior_software") or []
        if interior:
            warnings.append(
                f"the dataflow partition is not one pipeline: software node(s) "
                f"{', '.join(interior)} sit between kernels (the report's mapping.software says "
                "why each stayed in software); the accelerator is not stitched"
            )
        for entry in mapping.get("backends", []):
            if entry.get("backend") is None and entry.get("rejected"):
                reasons = "; ".join(
                    f"{r['language']}: {' '.join(r['reasons'])}" for r in entry["rejected"]
                )
                warnings.append(f"kernel node {entry['node']} has no backend ({reasons})")
    if target_given and folding is None:
        warnings.append(
            "a target was given, but no folding pass ran: it had no effect "
            "(the builtin:dataflow blueprint folds for it)"
        )
    return warnings
