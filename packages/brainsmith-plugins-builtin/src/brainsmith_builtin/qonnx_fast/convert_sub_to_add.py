"""A linear-time ``ConvertSubToAdd`` with exactly qonnx's result.

qonnx's pass (``qonnx.transformation.general.ConvertSubToAdd``) turns every ``Sub(x, c)`` with
an initializer ``c`` into ``Add(x, -c)`` through ``ModelWrapper.set_initializer``: the negated
initializer is removed and appended at the end of the initializer list, and its value info
replaced by a new one (in place for a graph input or output, else appended at the end of the
value infos) — each with scans of the graph, so quadratic. Here the same end state is built in
one sweep: initializers and value infos in the order qonnx leaves them, a constant read by two
Subs negated twice as in qonnx. Models whose initializer, value-info, input or output names
repeat go to qonnx's own pass.
"""

from __future__ import annotations

from typing import Any, cast

from onnx import helper, numpy_helper
from qonnx.transformation.base import Transformation
from qonnx.transformation.general import ConvertSubToAdd as QonnxConvertSubToAdd


class ConvertSubToAdd(Transformation):  # type: ignore[misc]
    """qonnx's ``ConvertSubToAdd``, in linear time; same output, byte for byte."""

    def apply(self, model: Any) -> tuple[Any, bool]:
        graph = model.graph
        if not _unique(graph):
            return cast("tuple[Any, bool]", QonnxConvertSubToAdd().apply(model))
        initializers = {t.name: t for t in graph.initializer}
        values: dict[str, Any] = {}
        moved: dict[str, None] = {}  # in the order of their last move
        for node in graph.node:
            if node.op_type != "Sub" or len(node.input) < 2:
                continue
            name = node.input[1]
            if name not in initializers:
                continue
            value = values.get(name)
            if value is None:
                value = numpy_helper.to_array(initializers[name])
            node.op_type = "Add"
            values[name] = -value
            moved.pop(name, None)
            moved[name] = None
        if not moved:
            return model, False
        kept = [t for t in graph.initializer if t.name not in moved]
        replaced = []
        infos: dict[str, Any] = {}
        for name in moved:
            tensor = numpy_helper.from_array(values[name])
            tensor.name = name
            replaced.append(tensor)
            infos[name] = helper.make_tensor_value_info(
                name, tensor.data_type, list(values[name].shape)
            )
        del graph.initializer[:]
        graph.initializer.extend([*kept, *replaced])
        for container in (graph.input, graph.output):
            for vi in container:
                if vi.name in infos:
                    vi.CopyFrom(infos.pop(vi.name))
        kept_infos = [vi for vi in graph.value_info if vi.name not in infos]
        del graph.value_info[:]
        graph.value_info.extend([*kept_infos, *(infos[n] for n in moved if n in infos)])
        return model, False


def _unique(graph: Any) -> bool:
    for names in (
        [t.name for t in graph.initializer],
        [vi.name for vi in (*graph.input, *graph.output, *graph.value_info)],
    ):
        if len(set(names)) != len(names):
            return False
    return True
