"""Repairs of an input model that keep its function, made before it is checked and compiled.

* A custom domain its nodes use but ``opset_import`` does not list gets an entry at version 1
  (5 of 6 public QONNX zoo models lack theirs; qonnx and onnxruntime run them). The old FINN
  domains qonnx renames on loading (``finn``, ``finn.custom_op.general`` →
  ``qonnx.custom_op.general``) get an entry under the new name too.
* An initializer no node reads that is also listed as a graph input (IR < 4 lists every
  initializer as an input) is removed with that input: qonnx's cleanup would remove the
  initializer and keep the input, which the caller would then have to feed.

Each repair a user should know of is returned as a warning naming the model and the fix.
"""

from __future__ import annotations

from typing import Any

QONNX_DOMAIN_RENAMES = {
    "finn": "qonnx.custom_op.general",
    "finn.custom_op.general": "qonnx.custom_op.general",
}
"""Old FINN node domains qonnx's ``ModelWrapper`` rewrites on loading, to their new names."""


def repair_model(data: bytes, where: str, notes: list[str] | None = None) -> bytes:
    """``data`` (a serialized model) repaired; the same bytes when nothing needed repair or
    the data does not parse (checking then says why). ``where`` names the model in the
    warnings appended to ``notes``."""
    import onnx

    try:
        proto = onnx.load_model_from_string(data)
    except Exception:
        return data
    if not proto.HasField("graph"):
        return data
    said: list[str] = []
    changed = _add_missing_opsets(proto, where, said)
    changed |= _drop_unused_initializer_inputs(proto, where, said)
    if notes is not None:
        notes.extend(said)
    return bytes(proto.SerializeToString()) if changed else data


def _graphs(graph: Any) -> list[Any]:
    """``graph`` and every subgraph body in it, at any depth."""
    found, pending = [], [graph]
    while pending:
        current = pending.pop()
        found.append(current)
        for node in current.node:
            for attribute in node.attribute:
                pending.extend([attribute.g] if attribute.HasField("g") else [])
                pending.extend(attribute.graphs)
    return found


def _add_missing_opsets(proto: Any, where: str, said: list[str]) -> bool:
    from onnx import helper

    listed = {entry.domain: entry.version for entry in proto.opset_import}
    missing: dict[str, int] = {}
    for graph in _graphs(proto.graph):
        for node in graph.node:
            domain = node.domain
            if domain not in listed and domain not in ("", "ai.onnx"):
                missing.setdefault(domain, 1)
            new = QONNX_DOMAIN_RENAMES.get(domain)
            if graph is proto.graph and new is not None and new not in listed:
                missing.setdefault(new, listed.get(domain, 1))
    for domain, version in missing.items():
        proto.opset_import.append(helper.make_opsetid(domain, version))
        if any(n.domain == domain for g in _graphs(proto.graph) for n in g.node):
            said.append(
                f"{where}: nodes use domain {domain!r}, which the model's opset_import does "
                f"not list; added it at version {version} (re-export the model to list it)"
            )
    return bool(missing)


def _drop_unused_initializer_inputs(proto: Any, where: str, said: list[str]) -> bool:
    graph = proto.graph
    read = {name for g in _graphs(graph) for node in g.node for name in node.input}
    read |= {t.name for t in graph.output}
    inputs = {t.name for t in graph.input}
    unused = [t.name for t in graph.initializer if t.name in inputs and t.name not in read]
    if not unused:
        return False
    gone = set(unused)
    kept_inits = [t for t in graph.initializer if t.name not in gone]
    kept_inputs = [t for t in graph.input if t.name not in gone]
    del graph.initializer[:]
    graph.initializer.extend(kept_inits)
    del graph.input[:]
    graph.input.extend(kept_inputs)
    said.append(
        f"{where}: removed initializer(s) {', '.join(sorted(gone))} that no node reads, with "
        f"the graph input(s) listing them (IR {proto.ir_version} lists initializers as inputs)"
    )
    return True
