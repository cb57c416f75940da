"""A linear-time ``GiveReadableTensorNames`` with exactly qonnx's result.

qonnx's pass (``qonnx.transformation.general.GiveReadableTensorNames``) first runs
``model.transform(GiveUniqueTensorNames())`` — every value-info, graph-input and graph-output
name, in that order, renamed to ``tensor_<i>``, then qonnx's cleanup — and then renames each
node's outputs to ``<node>_out<k>``, each initializer a node reads to ``<node>_param<k>`` (a
shared one ends up named after its last reader), and the graph inputs and outputs to
``global_in[_<i>]`` / ``global_out[_<i>]``. Each ``ModelWrapper.rename_tensor`` call scans the
whole graph, so the pass is quadratic.

qonnx's ``rename_tensor`` renames only the first use of a tensor by each node and none inside
the bodies of If/Loop/Scan nodes, so on a node reading one tensor twice (``Mul(x, x)``) or a body
reading a tensor of the outer graph it writes a model with a dangling name. Here every rename
renames *every* use: each input of a node, and each reference of a subgraph body (at any depth)
to the outer tensor that no body between defines itself. Elsewhere the result is qonnx's, byte
for byte. A node reading an initializer twice gives it one ``<node>_param<k>`` name.

The two rename sequences are first simulated on a name table, then written in one sweep over
the graph. That equals sequential renames whenever every rename is a plain "replace every
occurrence": no tensor name repeats inside a container (graph inputs, outputs, value infos,
initializers, annotations, one node's outputs), no rename targets a name already in use (in
the graph or defined inside a body), no name is empty, there are no sparse initializers, no
empty node name and no ``fix_float64``. Anything else runs the pass sequentially: qonnx's own
code, or where qonnx's renames would miss a use, qonnx's steps restated with renames of every
use — the whole pass before anything is changed, or, when only the second rename sequence
leaves that scope, its second half on the cleaned model. The cleanup between the two halves is
qonnx's own, skipped only when :func:`brainsmith.compile.cleanup_is_noop` proves it changes
nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from brainsmith.compile import cleanup, cleanup_is_noop
from onnx import AttributeProto
from qonnx.transformation.base import Transformation
from qonnx.transformation.general import GiveReadableTensorNames as QonnxGiveReadableTensorNames

_SUBGRAPH = (AttributeProto.GRAPH, AttributeProto.GRAPHS)


class GiveReadableTensorNames(Transformation):  # type: ignore[misc]
    """qonnx's ``GiveReadableTensorNames``, in linear time; same output, byte for byte, except
    that what only a subgraph body reads survives the cleanup (qonnx's drops it)."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        if not _in_scope(model):
            return _qonnx(model)
        # model.transform(GiveUniqueTensorNames()): rename, then qonnx's cleanup
        order = [t.name for t in graph.value_info]
        order += [t.name for t in graph.input]
        order += [t.name for t in graph.output]
        unique = _Renames(graph)
        for index, name in enumerate(order):
            if not unique.rename(name, f"tensor_{index}"):
                return _qonnx(model)
        unique.write(graph)
        if not cleanup_is_noop(model):
            model = cleanup(model)  # qonnx's, except it keeps what only a subgraph body reads
            graph = model.graph
        if not _in_scope(model) or not _readable(graph):
            _readable_qonnx(model)
        return model, False


def _qonnx(model: Any) -> tuple[Any, bool]:
    """qonnx's own pass; restated with renames of every use where qonnx's would miss one."""
    if not _misses_uses(model.graph):
        return cast("tuple[Any, bool]", QonnxGiveReadableTensorNames().apply(model))
    for index, name in enumerate(model.get_all_tensor_names()):
        rename_every_use(model, name, f"tensor_{index}")
    model = cleanup(model) if not cleanup_is_noop(model) else model
    _readable_qonnx(model)
    return model, False


def _misses_uses(graph: Any) -> bool:
    """Whether qonnx's ``rename_tensor`` would miss a use: a node reads a tensor twice, or
    a node has a subgraph."""
    for node in graph.node:
        if len(set(node.input)) != len(node.input):
            return True
        if any(a.type in _SUBGRAPH for a in node.attribute):
            return True
    return False


def rename_every_use(model: Any, old: str, new: str) -> None:
    """qonnx's ``model.rename_tensor(old, new)``, then the uses it misses renamed too: later
    inputs of a node reading ``old`` twice, and references inside subgraph bodies."""
    model.rename_tensor(old, new)
    if old == new:
        return
    for node in model.graph.node:
        for names in (node.input, node.output):
            for index, name in enumerate(names):
                if name == old:
                    names[index] = new
    _rename_in_bodies(model.graph.node, {old: new})


def _bodies(node: Any) -> Iterator[Any]:
    """The subgraphs of ``node``'s attributes."""
    for attribute in node.attribute:
        if attribute.type == AttributeProto.GRAPH:
            yield attribute.g
        elif attribute.type == AttributeProto.GRAPHS:
            yield from attribute.graphs


def _defined(body: Any) -> set[str]:
    """The names a subgraph body defines itself (shadowing the outer graph's)."""
    names = {t.name for t in body.input}
    names.update(t.name for t in body.initializer)
    names.update(t.name for t in body.sparse_initializer)
    for node in body.node:
        names.update(node.output)
    return names


def _rename_in_bodies(nodes: Iterable[Any], mapping: dict[str, str]) -> None:
    """Rename the outer tensors in ``mapping`` wherever the bodies of ``nodes`` (at any depth)
    refer to them without defining a tensor of that name themselves."""
    for node in nodes:
        for body in _bodies(node):
            defined = _defined(body)
            inner = {old: new for old, new in mapping.items() if old not in defined}
            if not inner:
                continue
            for child in body.node:
                for index, name in enumerate(child.input):
                    if name in inner:
                        child.input[index] = inner[name]
            for tensor in (*body.output, *body.value_info):
                if tensor.name in inner:
                    tensor.name = inner[tensor.name]
            _rename_in_bodies(body.node, inner)


def _reserved(nodes: Iterable[Any]) -> set[str]:
    """Every name a subgraph body (at any depth) defines: no rename may take one."""
    names: set[str] = set()
    for node in nodes:
        for body in _bodies(node):
            names |= _defined(body)
            names |= _reserved(body.node)
    return names


def _names(graph: Any) -> Iterator[Iterable[str]]:
    """Every container of tensor names in ``graph``, as the name lists to check."""
    yield [t.name for t in graph.input]
    yield [t.name for t in graph.output]
    yield [t.name for t in graph.value_info]
    yield [t.name for t in graph.initializer]
    yield [t.tensor_name for t in graph.quantization_annotation]
    for node in graph.node:
        yield node.input
        yield node.output


def _in_scope(model: Any) -> bool:
    """Whether every ``rename_tensor`` on ``model`` renames all occurrences of a name."""
    graph = model.graph
    if model.fix_float64 or len(graph.sparse_initializer):
        return False
    for node in graph.node:
        if not node.name:
            return False
    order = [t.name for t in graph.value_info]
    order += [t.name for t in graph.input]
    order += [t.name for t in graph.output]
    if len(set(order)) != len(order):
        return False
    for names in _names(graph):
        listed = list(names)
        if "" in listed:
            return False
    return all(len(set(names)) == len(names) for names in _containers(graph))


def _containers(graph: Any) -> Iterator[list[str]]:
    """The name lists in which a name may occur once (a node may read a tensor twice)."""
    yield [t.name for t in graph.input]
    yield [t.name for t in graph.output]
    yield [t.name for t in graph.value_info]
    yield [t.name for t in graph.initializer]
    yield [t.tensor_name for t in graph.quantization_annotation]
    for node in graph.node:
        yield list(node.output)


class _Renames:
    """qonnx ``rename_tensor`` calls, simulated on a name table and written in one sweep.

    Valid in :func:`_in_scope`: there a name identifies one tensor, so each rename replaces
    every occurrence. A rename onto a name in use is refused (qonnx would merge tensors).
    """

    def __init__(self, graph: Any) -> None:
        self.reserved = _reserved(graph.node)
        """Names defined inside subgraph bodies: a rename onto one would be shadowed there."""
        self.current: dict[str, str] = {}
        """Original name → current name, for the renamed tensors."""
        self.owner: dict[str, str] = {}
        """Current name → original name, for every tensor."""
        for names in _names(graph):
            for name in names:
                self.owner[name] = name

    def rename(self, old: str, new: str) -> bool:
        """Rename the tensor now called ``old``; ``False`` if ``new`` is taken."""
        if old == new:
            return True
        if new in self.owner or new in self.reserved:
            return False
        original = self.owner.pop(old)
        self.owner[new] = original
        self.current[original] = new
        return True

    def name(self, original: str) -> str:
        """The current name of the tensor originally called ``original``."""
        return self.current.get(original, original)

    def write(self, graph: Any) -> None:
        """Apply every rename to ``graph`` in one sweep."""
        mapping = {old: new for old, new in self.current.items() if old != new}
        if not mapping:
            return
        for container in (graph.input, graph.output, graph.value_info, graph.initializer):
            for tensor in container:
                if tensor.name in mapping:
                    tensor.name = mapping[tensor.name]
        for annotation in graph.quantization_annotation:
            if annotation.tensor_name in mapping:
                annotation.tensor_name = mapping[annotation.tensor_name]
        for node in graph.node:
            for names in (node.input, node.output):
                for index, name in enumerate(names):
                    if name in mapping:
                        names[index] = mapping[name]
        _rename_in_bodies(graph.node, mapping)


def _readable(graph: Any) -> bool:
    """The second half of qonnx's pass on ``graph``; ``False`` (graph untouched) if a rename
    would land on a name in use."""
    renames = _Renames(graph)
    initializers = {t.name for t in graph.initializer}
    for node in graph.node:
        for index, output in enumerate(node.output):
            if not renames.rename(renames.name(output), f"{node.name}_out{index}"):
                return False
        count = 0
        for name in dict.fromkeys(node.input):  # a tensor read twice is renamed once
            if name in initializers:
                if not renames.rename(renames.name(name), f"{node.name}_param{count}"):
                    return False
                count += 1
    for index, tensor in enumerate(graph.input):
        target = "global_in" if index == 0 else f"global_in_{index}"
        if not renames.rename(renames.name(tensor.name), target):
            return False
    for index, tensor in enumerate(graph.output):
        target = "global_out" if index == 0 else f"global_out_{index}"
        if not renames.rename(renames.name(tensor.name), target):
            return False
    renames.write(graph)
    return True


def _readable_qonnx(model: Any) -> None:
    """The second half of qonnx's ``GiveReadableTensorNames.apply``, restated line by line
    with renames of every use."""
    graph = model.graph
    for n in graph.node:
        assert n.name != "", "Found empty node name"
        for out_num, o in enumerate(n.output):
            rename_every_use(model, o, f"{n.name}_out{out_num}")
        init_in_num = 0
        renamed: set[str] = set()
        twice = len(set(n.input)) != len(n.input)
        for i in n.input:
            if twice and i in renamed:  # a tensor read twice is renamed once
                continue
            if model.get_initializer(i) is not None:
                new = f"{n.name}_param{init_in_num}"
                rename_every_use(model, i, new)
                renamed.add(new)
                init_in_num += 1
    for i, inp in enumerate(model.graph.input):
        rename_every_use(model, inp.name, "global_in" if i == 0 else f"global_in_{i}")
    for i, outp in enumerate(model.graph.output):
        rename_every_use(model, outp.name, "global_out" if i == 0 else f"global_out_{i}")
