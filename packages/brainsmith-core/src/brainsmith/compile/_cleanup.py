"""Whether qonnx's ``ModelWrapper.cleanup()`` would change a model, decided in one linear sweep.

qonnx's cleanup runs five passes (RemoveUnusedTensors, RemoveStaticGraphInputs, SortGraph,
SortCommutativeInputsInitializerLast, GiveUniqueParameterTensors), each with its own copy and
walk of the graph; the executor skips it when :func:`cleanup_is_noop` proves it a no-op.
"""

from __future__ import annotations

import itertools
from typing import TYPE_CHECKING, Any

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
    used = _used_tensors(graph)
    # RemoveUnusedTensors
    if not inits <= used or any(vi.name not in used for vi in graph.value_info):
        return False
    if any(qa.tensor_name not in used for qa in graph.quantization_annotation):
        return False
    # RemoveStaticGraphInputs
    if inputs & inits:
        return False
    seen: set[str] = set()
    for node in nodes:
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
    return _sorted(model)


def _sorted(model: ModelWrapper) -> bool:
    """Whether :func:`_sort` would leave the node list as it is (``False`` when unsure:
    repeated initializer or input names)."""
    graph = model.graph
    nodes = graph.node
    inits = {t.name for t in graph.initializer}
    inputs = {t.name for t in graph.input}
    if len(inits) != len(graph.initializer) or len(inputs) != len(graph.input):
        return False
    producer: dict[str, int] = {}
    for index, node in enumerate(nodes):
        for name in node.output:
            producer.setdefault(name, index)
    # toposort_flatten's order must be the current order: nodes level by level (level =
    # longest dependency path, self-dependencies ignored), each level by position. So the order
    # is unchanged iff levels never decrease along the list; a dependency on a later node
    # breaks that (or is a cycle). One pass, no toposort.
    levels: list[int] = []
    for index, node in enumerate(nodes):
        level = 0
        for name in _reads(node):
            source = producer.get(name)
            if source is None or source == index:
                continue
            if source > index:
                return False
            level = max(level, levels[source] + 1)
        if levels and level < levels[-1]:
            return False
        levels.append(level)
    return True


def _reads(node: Any) -> set[str]:
    """The tensors ``node`` reads: its inputs and every name a node of its subgraph bodies
    (If/Loop/Scan, at any depth) reads — an outer tensor a body reads is an implicit input."""
    names = set(node.input)
    pending = [
        body
        for attribute in node.attribute
        for body in ([attribute.g] if attribute.HasField("g") else []) + list(attribute.graphs)
    ]
    while pending:
        body = pending.pop()
        for inner in body.node:
            names.update(inner.input)
            for attribute in inner.attribute:
                if attribute.HasField("g"):
                    pending.append(attribute.g)
                pending.extend(attribute.graphs)
    names.discard("")
    return names


def cleanup(model: ModelWrapper) -> ModelWrapper:
    """``model.cleanup()``, in place, with qonnx's result where qonnx is right (tensors and
    nodes only a subgraph body reads are kept: qonnx drops them); its last pass,
    GiveUniqueParameterTensors (quadratic in qonnx: each copy of a shared initializer scans the
    graph twice), and SortGraph (quadratic: it looks each producer up by a scan), in one sweep
    each."""
    from qonnx.transformation.general import (
        GiveUniqueParameterTensors,
        RemoveStaticGraphInputs,
        SortCommutativeInputsInitializerLast,
    )

    _remove_unused_tensors(model)
    model = model.transform(RemoveStaticGraphInputs(), cleanup=False, make_deepcopy=False)
    model = sort_graph(model)
    model = model.transform(
        SortCommutativeInputsInitializerLast(), cleanup=False, make_deepcopy=False
    )
    if not _unique_parameters(model):
        model = model.transform(GiveUniqueParameterTensors(), cleanup=False, make_deepcopy=False)
    return model


def sort_graph(model: ModelWrapper) -> ModelWrapper:
    """``model`` with its nodes in dependency order, in place, in linear time (:func:`_sort`);
    qonnx's SortGraph only where ours declines (repeated names, a cycle)."""
    if _sorted(model) or _sort(model):
        return model
    from qonnx.transformation.general import SortGraph

    result: ModelWrapper = model.transform(SortGraph(), cleanup=False, make_deepcopy=False)
    return result


def _used_tensors(graph: Any) -> set[str]:
    """Names a node reads or writes, names a node of a subgraph body (If/Loop/Scan, at any
    depth) reads (an outer tensor read only inside a body is used), and the graph's outputs
    (an initializer may be one: qonnx drops it, leaving an output nothing produces)."""
    used: set[str] = {o.name for o in graph.output}
    pending = [graph]
    outer = True
    while pending:
        current = pending.pop()
        for node in current.node:
            used.update(node.input)
            if outer:
                used.update(node.output)
            for attribute in node.attribute:
                bodies = [attribute.g] if attribute.HasField("g") else []
                pending.extend([*bodies, *attribute.graphs])
        outer = False
    return used


def _remove_unused_tensors(model: ModelWrapper) -> None:
    """qonnx's RemoveUnusedTensors (initializers, value infos and annotations no node uses go),
    except that a tensor read only inside a subgraph body is used, and that every unused item
    goes (qonnx's removes while iterating, so it skips the item after each removal)."""
    graph = model.graph
    used = _used_tensors(graph)
    for field in (graph.initializer, graph.value_info):
        _keep(field, [t for t in field if t.name in used])
    annotations = graph.quantization_annotation
    _keep(annotations, [a for a in annotations if a.tensor_name in used])


def _keep(field: Any, kept: list[Any]) -> None:
    """Make ``kept`` (a sublist of ``field``, in order) the repeated field's content in one
    step: removing items one by one is a scan each (quadratic)."""
    if len(kept) != len(field):
        del field[:]
        field.extend(kept)


_DATATYPE_OF_ELEMENT = {1: "FLOAT32", 10: "FLOAT16"}
"""qonnx's datatype of an unannotated tensor by ONNX element type (FLOAT, FLOAT16); else FLOAT32."""


def _unique_parameters(model: ModelWrapper) -> bool:
    """qonnx's GiveUniqueParameterTensors in one sweep: every use of an initializer after its
    first gets a copy under a fresh random name (drawn from ``random`` as qonnx draws them),
    with a value info and the original's datatype annotation. ``False`` (nothing changed) when
    a value info or annotation name repeats: qonnx's pass then decides (and raises)."""
    from onnx import helper, numpy_helper
    from qonnx.util.basic import random_string

    graph = model.graph
    valueinfos = [*graph.input, *graph.output, *graph.value_info]
    names = {vi.name for vi in valueinfos}
    annotations = {a.tensor_name: a for a in graph.quantization_annotation}
    if len(names) != len(valueinfos) or len(annotations) != len(graph.quantization_annotation):
        return False
    by_name = {vi.name: vi for vi in valueinfos}
    initializers: dict[str, Any] = {}
    for tensor in graph.initializer:
        initializers.setdefault(tensor.name, tensor)

    def datatype(name: str, tensor: Any) -> str:
        annotation = annotations.get(name)
        if annotation is not None:
            for entry in annotation.quant_parameter_tensor_names:
                if entry.key == "finn_datatype":
                    return str(entry.value)
        vi = by_name.get(name)
        element = vi.type.tensor_type.elem_type if vi is not None else tensor.data_type
        return _DATATYPE_OF_ELEMENT.get(element, "FLOAT32")

    seen: set[str] = set()
    for node in graph.node:
        for index, name in enumerate(list(node.input)):
            tensor = initializers.get(name)
            if tensor is None:
                continue
            if name not in seen:
                seen.add(name)
                continue
            fresh = random_string()
            while fresh in names:
                fresh = random_string()
            names.add(fresh)
            value = numpy_helper.to_array(tensor)
            copied = numpy_helper.from_array(value)
            copied.name = fresh
            graph.initializer.append(copied)
            graph.value_info.append(
                helper.make_tensor_value_info(fresh, copied.data_type, list(value.shape))
            )
            annotation = graph.quantization_annotation.add()
            annotation.tensor_name = fresh
            entry = annotation.quant_parameter_tensor_names.add()
            entry.key, entry.value = "finn_datatype", datatype(name, tensor)
            node.input[index] = fresh
    return True


def _sort(model: ModelWrapper) -> bool:
    """qonnx's SortGraph in linear time, corrected: a node depends on the producer of each
    tensor it reads, explicitly or inside its subgraph bodies, and every node is kept (qonnx's
    drops a node nothing explicitly depends on that reads no initializer or graph input, such
    as a ``Constant`` only a body reads); ordered as ``toposort_flatten`` orders it — by
    longest dependency path, then by position. ``False`` (nothing changed) when output,
    initializer or input names repeat or there is a cycle: qonnx's pass then decides (and
    raises)."""
    from onnx import NodeProto

    graph = model.graph
    nodes = list(graph.node)
    if len(nodes) == 1:
        return True
    outputs = [name for node in nodes for name in node.output]
    inits = {t.name for t in graph.initializer}
    inputs = {t.name for t in graph.input}
    if len(set(outputs)) != len(outputs) or len(inits) != len(graph.initializer):
        return False
    if len(inputs) != len(graph.input):
        return False
    producer = {name: index for index, node in enumerate(nodes) for name in node.output}
    depends = {
        index: {producer[name] for name in _reads(node) if name in producer}
        for index, node in enumerate(nodes)
    }
    level: dict[int, int] = {}
    for index in sorted(depends):  # in a sorted graph every source comes first
        sources = depends[index] - {index}
        if any(source not in level for source in sources):
            return False  # a later producer or a cycle: qonnx's toposort decides
        level[index] = 1 + max((level[source] for source in sources), default=-1)
    order = sorted(level, key=lambda index: (level[index], index))
    if order == list(range(len(nodes))):
        return True
    kept = []
    for index in order:
        copied = NodeProto()
        copied.CopyFrom(nodes[index])
        kept.append(copied)
    del graph.node[:]
    graph.node.extend(kept)
    return True
