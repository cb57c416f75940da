"""The hardware sections of the compile report, read from what the hw_transforms recorded in
the compiled model: the kernel mapping, the folding, and the design's estimates.

Each section is ``None`` when the compile mapped no hardware, so software-only compiles pay
nothing (``brainsmith.hardware`` is imported only when a record is present).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper

MAPPING_KEY = "brainsmith.mapping"
"""The metadata key kernel inference writes (``brainsmith.hardware.MAPPING_KEY``)."""
FOLDING_KEY = "brainsmith.folding"
"""The metadata key folding writes (``brainsmith.hardware.FOLDING_KEY``)."""


def hardware_sections(model: ModelWrapper) -> dict[str, Any]:
    """``{"mapping": ..., "folding": ..., "estimates": ...}`` for the report.

    ``mapping``: :func:`brainsmith.hardware.mapping_summary`; ``folding``: the folding
    record plus the chosen ``config`` (FINN's ``folding_config.json`` shape); ``estimates``:
    :func:`brainsmith.hardware.estimate` (cycles, resources, throughput, latency, utilisation).
    """
    if model.get_metadata_prop(MAPPING_KEY) is None:
        return {"mapping": None, "folding": None, "estimates": None}
    from ..hardware import estimate, folding_config, mapping_summary, read_folding

    folding = read_folding(model)
    return {
        "mapping": mapping_summary(model),
        "folding": {**folding, "config": folding_config(model)} if folding is not None else None,
        "estimates": estimate(model),
    }
