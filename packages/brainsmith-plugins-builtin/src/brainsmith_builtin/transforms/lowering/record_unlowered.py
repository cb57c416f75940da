"""``RecordUnloweredNodes``: every node left in float inside the network body gets a reason."""

from __future__ import annotations

from typing import Any

from brainsmith import transform
from qonnx.transformation.base import Transformation

from .graph import is_quant
from .notes import lowering_notes, record_note, rename_notes

COMPUTE = frozenset({"MatMul", "Gemm", "Conv"})
ELEMENTWISE = frozenset({"Mul", "Add", "Sub", "Div"})


def _reachable(model: Any, starts: list[Any], forward: bool) -> set[str]:
    """Names of the nodes reachable from ``starts`` (excluded) along the edges."""
    seen: set[str] = set()
    stack = list(starts)
    while stack:
        node = stack.pop()
        if forward:
            nexts = [c for out in node.output for c in model.find_consumers(out)]
        else:
            nexts = [p for name in node.input if (p := model.find_producer(name)) is not None]
        for other in nexts:
            if other.name not in seen:
                seen.add(other.name)
                stack.append(other)
    return seen


@transform(name="RecordUnloweredNodes", stage="topology_optimization")
class RecordUnloweredNodes(Transformation):  # type: ignore[misc]
    """Record (``notes.record_note``) why a node is not lowered: a MatMul/Gemm/Conv reading a
    tensor that has no integer datatype, a quantizer that was not converted, and a float
    Mul/Add/Sub/Div between two compute nodes (it could not be moved into thresholds). Notes of
    renamed nodes follow them (``notes.rename_notes``); notes of nodes that no longer exist
    are dropped. Needs unique node names (``GiveUniqueNodeNames``)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        nodes = list(model.graph.node)
        rename_notes(model)
        compute = [n for n in nodes if n.op_type in COMPUTE | {"MultiThreshold"}]
        after_compute = _reachable(model, [n for n in compute if n.op_type in COMPUTE], True)
        before_compute = _reachable(model, [n for n in compute if n.op_type in COMPUTE], False)
        for node in nodes:
            if node.op_type in COMPUTE:
                for name in node.input:
                    datatype = model.get_tensor_datatype(name)
                    if not datatype.is_integer():
                        producer = model.find_producer(name)
                        source = f"{producer.op_type} {producer.name}" if producer else "input"
                        record_note(
                            model,
                            node,
                            f"input {name} is {datatype.name}, not integer (produced by "
                            f"{source}): its scale or bias could not be moved into thresholds",
                        )
                        break
            elif is_quant(node) and not any(n["node"] == node.name for n in lowering_notes(model)):
                record_note(model, node, "quantizer left as it is (no rule matched)")
            elif node.op_type in ELEMENTWISE and node.name in after_compute & before_compute:
                record_note(
                    model,
                    node,
                    f"float {node.op_type} between compute nodes: it could not be moved past "
                    "the next node or absorbed into a MultiThreshold",
                )
        return model, False
