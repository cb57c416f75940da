"""The folding a model was given, carried in the model.

``SetFolding`` (or any folding pass) stores what it chose and why under :data:`FOLDING_KEY` in
the model's ``metadata_props`` (JSON), so the record survives saving, loading and checkpoints and
the compile can write it beside the model. :func:`folding_config` reads the folding back from
the graph in FINN's ``folding_config.json`` shape, which ``SetFolding(folding_file=...)``
accepts again.
"""

from __future__ import annotations

import json
from typing import Any

from qonnx.custom_op.registry import getCustomOp

from ._domains import is_kernel_node

FOLDING_KEY = "brainsmith.folding"
"""``metadata_props`` key of the JSON record."""


def record_folding(model: Any, record: dict[str, Any]) -> None:
    """Store ``record`` (a JSON-ready dict: what a folding pass chose, its target, the limiting
    layer and warnings) in ``model``, replacing an earlier record."""
    model.set_metadata_prop(FOLDING_KEY, json.dumps(record, sort_keys=True))


def read_folding(model: Any) -> dict[str, Any] | None:
    """The folding record stored in ``model``, or ``None`` when no folding pass ran."""
    text = model.get_metadata_prop(FOLDING_KEY)
    if not text:
        return None
    record: dict[str, Any] = json.loads(text)
    return record


def folding_config(model: Any) -> dict[str, dict[str, int]]:
    """The folding of every foldable kernel node of ``model`` in FINN's ``folding_config.json``
    shape: ``{"<node name>": {"PE": 4, "SIMD": 8}}`` (only the node's folding parameters).
    The kernels must be registered with qonnx (``install_kernels`` or a plugin's helper)."""
    config: dict[str, dict[str, int]] = {}
    for node in model.graph.node:
        if not is_kernel_node(node):
            continue
        instance = getCustomOp(node)
        parameters = instance.folding_parameters()
        if parameters:
            config[node.name] = {name: int(instance.get_nodeattr(name)) for name in parameters}
    return config
