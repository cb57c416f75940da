"""What kernel inference did and declined, carried with the model.

Inference rules record, in the model's ``metadata_props`` under :data:`MAPPING_KEY` (JSON), every
candidate node they declined and why, every kernel node they created and from which nodes, the
dataflow partition, and which backend each kernel node was specialised to (and why preferred
backends were not taken). :func:`mapping_summary` turns that record and the current graph into the
compile report's ``mapping`` section. Because the record lives in the model, it survives saving,
loading and checkpoints.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable
from typing import Any

from ._domains import is_kernel_node

MAPPING_KEY = "brainsmith.mapping"
"""``metadata_props`` key of the JSON record."""

_BACKEND_SUFFIXES = ("_hls", "_rtl")


def _load(model: Any) -> dict[str, Any]:
    text = model.get_metadata_prop(MAPPING_KEY)
    record: dict[str, Any] = json.loads(text) if text else {}
    record.setdefault("declined", [])
    record.setdefault("mapped", [])
    record.setdefault("partition", None)
    record.setdefault("backends", [])
    return record


def _store(model: Any, record: dict[str, Any]) -> None:
    model.set_metadata_prop(MAPPING_KEY, json.dumps(record, sort_keys=True))


def record_declined(model: Any, node: Any, kernel: str, reason: str) -> None:
    """Record that the inference rule for ``kernel`` declined ``node`` because of ``reason``
    (the unmet precondition, phrased so a user can act on it). A repeated identical record is
    stored once."""
    record = _load(model)
    entry = {"node": node.name, "op_type": node.op_type, "kernel": kernel, "reason": reason}
    if entry not in record["declined"]:
        record["declined"].append(entry)
        _store(model, record)


def record_mapped(model: Any, kernel_node: Any, kernel: str, sources: Iterable[Any]) -> None:
    """Record that ``kernel_node`` (of kernel ``kernel``) replaced the nodes ``sources``."""
    record = _load(model)
    record["mapped"].append(
        {
            "node": kernel_node.name,
            "kernel": kernel,
            "sources": [{"node": n.name, "op_type": n.op_type} for n in sources],
        }
    )
    _store(model, record)


def record_absorbed(model: Any, kernel_node: Any, kernel: str, node: Any, reason: str) -> None:
    """Record that ``node`` (e.g. a ``Flatten`` that does not change the stream order) vanished
    into ``kernel_node`` of kernel ``kernel``: it is added to the sources of the kernel node's
    mapped entry (created if absent) as ``{node, op_type, absorbed: reason}``, where ``reason``
    says why removing it is exact."""
    record = _load(model)
    entry = next((m for m in record["mapped"] if m["node"] == kernel_node.name), None)
    if entry is None:
        entry = {"node": kernel_node.name, "kernel": kernel, "sources": []}
        record["mapped"].append(entry)
    entry["sources"].append({"node": node.name, "op_type": node.op_type, "absorbed": reason})
    _store(model, record)


def record_partition(
    model: Any,
    *,
    inputs: list[str],
    outputs: list[str],
    hardware: list[str],
    preprocessing: list[str],
    postprocessing: list[str],
    interior_software: list[str],
) -> None:
    """Record the dataflow partition: its input and output tensor names, its kernel nodes, the
    software nodes before and after it, and software nodes caught between kernel nodes (which
    break the partition's contiguity)."""
    record = _load(model)
    record["partition"] = {
        "inputs": inputs,
        "outputs": outputs,
        "hardware_nodes": hardware,
        "preprocessing": preprocessing,
        "postprocessing": postprocessing,
        "interior_software": interior_software,
    }
    _store(model, record)


def record_backend(
    model: Any,
    node: Any,
    kernel: str,
    chosen: str | None,
    rejected: Iterable[tuple[str, Iterable[str]]],
) -> None:
    """Record the backend choice for kernel node ``node`` (of kernel ``kernel``): ``chosen`` is
    the language taken (``"hls"``, ``"rtl"``) or ``None`` when none could be; ``rejected``
    lists each preferred language not taken, before the chosen one, with its reasons (e.g.
    ``("rtl", ["no rtl backend exists for MVAU"])``). Recording a node again replaces its
    earlier record. The record also keeps the node's first output tensor, so that it still
    matches the node after a later pass renames nodes."""
    record = _load(model)
    entry = {
        "node": node.name,
        "output": node.output[0] if node.output else "",
        "kernel": kernel,
        "backend": None if chosen is None else f"{kernel}_{chosen}",
        "language": chosen,
        "rejected": [
            {"language": language, "reasons": list(reasons)} for language, reasons in rejected
        ],
    }
    record["backends"] = [b for b in record["backends"] if b["node"] != node.name] + [entry]
    _store(model, record)


def kernel_name(op_type: str) -> str:
    """The kernel an op_type implements: ``"MVAU_hls" -> "MVAU"``, ``"MVAU" -> "MVAU"``."""
    for suffix in _BACKEND_SUFFIXES:
        if op_type.endswith(suffix):
            return op_type[: -len(suffix)]
    return op_type


def mapping_summary(model: Any) -> dict[str, Any]:
    """The compile report's ``mapping`` section, from the record and the current graph.

    Returns a JSON-ready dict:

    - ``kernels``: ``{kernel: number of kernel nodes}`` in the graph now (backend suffixes
      stripped);
    - ``mapped``: the recorded ``{node, kernel, sources}`` of kernel nodes still in the graph
      (a source absorbed without computing, see :func:`record_absorbed`, carries ``absorbed``);
    - ``software``: one entry per non-kernel node of the graph, ``{node, op_type, reasons}``,
      where ``reasons`` lists ``{kernel, reason}`` from the rules that declined it, or says that
      no inference rule covers the op_type;
    - ``partition``: the recorded partition (see :func:`record_partition`) or ``None``;
    - ``backends``: one entry per kernel node of the graph, ``{node, kernel, backend,
      language, rejected}``: ``backend`` is the node's op_type if it is specialised
      (``"MVAU_hls"``), else ``None``; ``rejected`` the preferred languages not taken and why
      (see :func:`record_backend`; empty if the node was never offered a choice).
    """
    record = _load(model)
    nodes = list(model.graph.node)
    kernel_nodes = [n for n in nodes if is_kernel_node(n)]
    kernel_names = {n.name for n in kernel_nodes}
    software: list[dict[str, Any]] = []
    for node in nodes:
        if is_kernel_node(node):
            continue
        reasons = [
            {"kernel": d["kernel"], "reason": d["reason"]}
            for d in record["declined"]
            if d["node"] == node.name and d["op_type"] == node.op_type
        ]
        if not reasons:
            reasons = [{"kernel": None, "reason": f"no kernel inference rule maps {node.op_type}"}]
        software.append({"node": node.name, "op_type": node.op_type, "reasons": reasons})
    return {
        "kernels": dict(sorted(Counter(kernel_name(n.op_type) for n in kernel_nodes).items())),
        "mapped": [m for m in record["mapped"] if m["node"] in kernel_names],
        "software": software,
        "partition": record["partition"],
        "backends": [_backend_entry(node, record["backends"]) for node in kernel_nodes],
    }


def _backend_entry(node: Any, recorded: list[dict[str, Any]]) -> dict[str, Any]:
    kernel = kernel_name(node.op_type)
    specialised = node.op_type != kernel
    output = node.output[0] if node.output else None
    entry = next((b for b in recorded if b["node"] == node.name), None) or next(
        (b for b in recorded if output and b.get("output") == output), None
    )
    return {
        "node": node.name,
        "kernel": kernel,
        "backend": node.op_type if specialised else None,
        "language": node.op_type[len(kernel) + 1 :] if specialised else None,
        "rejected": entry["rejected"] if entry is not None else [],
    }
