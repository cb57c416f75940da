"""A linear-time ``GiveReadableTensorNames`` with exactly qonnx's result.

qonnx's pass (``qonnx.transformation.general.GiveReadableTensorNames``) first runs
``model.transform(GiveUniqueTensorNames())`` — every value-info, graph-input and graph-output
name, in that order, renamed to ``tensor_<i>``, then qonnx's cleanup — and then renames each
node's outputs to ``<node>_out<k>``, each initializer a node reads to ``<node>_param<k>`` (a
shared one ends up named after its last reader), and the graph inputs and outputs to
``global_in[_<i>]`` / ``global_out[_<i>]``. Each ``ModelWrapper.rename_tensor`` call scans the
whole graph, so the pass is quadratic.

Here the two rename sequences are first simulated on a name table, then written in one sweep
over the graph. That equals qonnx's sequential renames whenever every rename is a plain
"replace every occurrence": no tensor name repeats inside a container (graph inputs, outputs,
value infos, initializers, annotations, one node's inputs or outputs), the names to rename
repeat nowhere, no rename targets a name already in use, no name is empty, there are no sparse
initializers, no subgraph attributes, no empty node name and no ``fix_float64``. Anything else
falls back to qonnx's own code: the whole pass before anything is changed, or, when only the
second rename sequence leaves that scope, qonnx's second half on the cleaned model. The
cleanup between the two halves is qonnx's own, skipped only when
:func:`brainsmith.compile.cleanup_is_noop` proves it changes nothing.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any, cast

from brainsmith.compile import cleanup_is_noop
from onnx import AttributeProto
from qonnx.transformation.base import Transformation
from qonnx.transformation.general import GiveReadableTensorNames as QonnxGiveReadableTensorNames

_SUBGRAPH = (AttributeProto.GRAPH, AttributeProto.GRAPHS)


class GiveReadableTensorNames(Transformation):  # type: ignore[misc]
    """qonnx's ``GiveReadableTensorNames``, in linear time; same output, byte for byte."""

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
            model = model.cleanup()
            graph = model.graph
        if not _in_scope(model) or not _readable(graph):
            _readable_qonnx(model)
        return model, False


def _qonnx(model: Any) -> tuple[Any, bool]:
    """qonnx's own pass."""
    return cast("tuple[Any, bool]", QonnxGiveReadableTensorNames().apply(model))


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
        if not node.name or any(a.type in _SUBGRAPH for a in node.attribute):
            return False
    order = [t.name for t in graph.value_info]
    order += [t.name for t in graph.input]
    order += [t.name for t in graph.output]
    if len(set(order)) != len(order):
        return False
    for names in _names(graph):
        listed = list(names)
        if "" in listed or len(set(listed)) != len(listed):
            return False
    return True


class _Renames:
    """qonnx ``rename_tensor`` calls, simulated on a name table and written in one sweep.

    Valid in :func:`_in_scope`: there a name identifies one tensor, so each rename replaces
    every occurrence. A rename onto a name in use is refused (qonnx would merge tensors).
    """

    def __init__(self, graph: Any) -> None:
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
        if new in self.owner:
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
        for name in node.input:
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
    """The second half of qonnx's ``GiveReadableTensorNames.apply``, restated line by line."""
    graph = model.graph
    for n in graph.node:
        assert n.name != "", "Found empty node name"
        for out_num, o in enumerate(n.output):
            model.rename_tensor(o, f"{n.name}_out{out_num}")
        init_in_num = 0
        for i in n.input:
            if model.get_initializer(i) is not None:
                model.rename_tensor(i, f"{n.name}_param{init_in_num}")
                init_in_num += 1
    for i, inp in enumerate(model.graph.input):
        model.rename_tensor(inp.name, "global_in" if i == 0 else f"global_in_{i}")
    for i, outp in enumerate(model.graph.output):
        model.rename_tensor(outp.name, "global_out" if i == 0 else f"global_out_{i}")
