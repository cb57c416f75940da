"""Reasons why nodes were left as they were, kept in the model's metadata.

The notes live in ``model.model.metadata_props`` under the key ``brainsmith.lowering`` as a JSON
list of ``{"node": name, "op_type": op, "reason": text, "output": tensor}`` objects (``output``
the node's first output, which identifies it again after nodes are renamed), so they travel
with the saved model and the compile report can list them.
"""

from __future__ import annotations

import json
from typing import Any

NOTES_KEY = "brainsmith.lowering"


def lowering_notes(model: Any) -> list[dict[str, str]]:
    """The recorded notes of ``model`` (a qonnx ``ModelWrapper``), oldest first; ``[]`` if none."""
    for prop in model.model.metadata_props:
        if prop.key == NOTES_KEY:
            notes: list[dict[str, str]] = json.loads(prop.value)
            return notes
    return []


def record_note(model: Any, node: Any, reason: str) -> None:
    """Record that ``node`` (an ONNX ``NodeProto``) stays as it is because of ``reason``.

    A note equal to one already recorded is not repeated; a new reason for the same node replaces
    the older one, so the notes describe the graph as it is now.
    """
    entry = {
        "node": node.name or node.output[0],
        "op_type": node.op_type,
        "reason": reason,
        "output": node.output[0],
    }
    notes = [n for n in lowering_notes(model) if n["node"] != entry["node"]]
    notes.append(entry)
    _store(model, notes)


def rename_notes(model: Any) -> None:
    """Re-key the notes of renamed nodes (``GiveUniqueNodeNames``) by the output tensor they
    recorded; notes whose node is gone altogether are dropped."""
    by_output = {n.output[0]: n for n in model.graph.node if n.output}
    kept = []
    for note in lowering_notes(model):
        node = by_output.get(note.get("output", ""))
        if node is not None and node.op_type == note["op_type"]:
            kept.append({**note, "node": node.name or node.output[0]})
        elif any(n.name == note["node"] for n in model.graph.node):
            kept.append(note)
    if kept != lowering_notes(model):
        _store(model, kept)


def _store(model: Any, notes: list[dict[str, str]]) -> None:
    props = model.model.metadata_props
    for prop in props:
        if prop.key == NOTES_KEY:
            prop.value = json.dumps(notes)
            return
    prop = props.add()
    prop.key = NOTES_KEY
    prop.value = json.dumps(notes)


class UnsupportedNode(ValueError):
    """A node a lowering rule cannot rewrite; the message is the reason recorded for it."""
