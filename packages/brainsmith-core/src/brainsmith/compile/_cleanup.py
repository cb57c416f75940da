"""Whether qonnx's ``ModelWrapper.cleanup()`` would change a model, decided in one linear sweep.

qonnx's cleanup runs five passes (RemoveUnusedTensors, RemoveStaticGraphInputs, SortGraph,
SortCommutativeInputsInitializerLast, GiveUniqueParameterTensors), each with its own copy and
walk of the graph; the executor skips it when :func:`cleanup_is_noop` proves it a no-op.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from qonnx.core.modelwrapper import ModelWrapper


def cleanup_is_noop(model: ModelWrapper) -> bool:
    """Whether ``model.cleanup()`` would leave ``model`` exactly as it is.

    Mirrors each of qonnx's cleanup passes in one sweep; any doubt (duplicate names, a cycle)
    answers ``False`` so that qonnx's own cleanup runs and decides.
    """
    from qonnx.transformation.general import SortCommutativeInputsInitializerLast

    commutative = SortCommutativeInputsInitializerLast.SUPPORTED_COMMUTATIVE_OPS
    graph = model.graph
    nodes = graph.node
    init_names = [t.name for t in graph.initializer]
    inits = set(init_names)
    inputs = {t.name for t in graph.input}
    if len(inits) != len(init_names) or len(inputs) != len(graph.input):
        return False
    used: set[str] = set()
    for node in nodes:
        used.update(node.input)
        used.update(node.output)
    # RemoveUnusedTensors
    if not inits <= used or any(vi.name not in used for vi in graph.value_info):
        return False
    if any(qa.tensor_name not in used for qa in graph.quantization_annotation):
        return False
    # RemoveStaticGraphInputs
    if inputs & inits:
        return False
    seen: set[str] = set()
    producer: dict[str, int] = {}
    for index, node in enumerate(nodes):
        # GiveUniqueParameterTensors: an initializer feeds one node input at most
        for name in node.input:
            if name in inits:
                if name in seen:
                    return False
                seen.add(name)
        # SortCommutativeInputsInitializerLast: no initializer before a dynamic input
        if node.op_type in commutative:
            flags = [name in inits for name in node.input]
            if any(a and not b for a, b in itertools.pairwise(flags)):
                return False
        for name in node.output:
            producer.setdefault(name, index)
    # SortGraph: toposort_flatten's order must be the current order. toposort yields nodes
    # level by level (level = longest dependency path, self-dependencies ignored), each level
    # sorted, and drops nodes that neither depend on anything nor are depended upon. So the
    # order is unchanged iff every node is kept and levels never decrease along the list; a
    # dependency on a later node breaks that (or is a cycle). One pass, no toposort.
    if len(nodes) <= 1:
        return True
    levels: list[int] = []
    kept = [False] * len(nodes)
    for index, node in enumerate(nodes):
        level = 0
        has_producer = False
        for name in node.input:
            source = producer.get(name)
            if source is None:
                continue
            has_producer = True
            if source == index:
                continue
            if source > index:
                return False
            kept[source] = True
            level = max(level, levels[source] + 1)
        if levels and level < levels[-1]:
            return False
        levels.append(level)
        if has_producer or any(name in inits or name in inputs for name in node.input):
            kept[index] = True
    return all(kept)
