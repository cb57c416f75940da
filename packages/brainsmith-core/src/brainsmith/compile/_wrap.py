"""A qonnx ``ModelWrapper`` built in one sweep.

qonnx's constructor gives every initializer a node uses that has no value info one of its
shape, asking ``get_tensor_shape`` per tensor — a scan of the graph each (quadratic: 20 s for
the 800-node MLP of benchmarks/bench_scaling.py). :func:`wrap_model` builds the same wrapper,
byte for byte, with those value infos added in one sweep.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from onnx import ModelProto
    from qonnx.core.modelwrapper import ModelWrapper


def wrap_model(data: bytes | ModelProto) -> ModelWrapper:
    """``ModelWrapper(data)`` (serialized bytes, or a ``ModelProto`` wrapped as it is, not
    copied), in linear time. A model naming a tensor in two value infos goes through qonnx's
    constructor (which raises on it when it matters)."""
    from onnx import helper
    from qonnx.core.modelwrapper import ModelWrapper

    model = ModelWrapper(data, fix_missing_initializer_valueinfo=False)
    graph = model.graph
    valueinfos = [vi.name for vi in (*graph.input, *graph.output, *graph.value_info)]
    known = set(valueinfos)
    if len(known) != len(valueinfos):
        return ModelWrapper(data)
    initializers: dict[str, object] = {}
    for tensor in graph.initializer:
        initializers.setdefault(tensor.name, tensor)
    for node in graph.node:
        for name in (*node.input, *node.output):
            if not name or name in known:
                continue
            tensor = initializers.get(name)
            if tensor is None:
                continue
            dims, element = tuple(tensor.dims), tensor.data_type  # type: ignore[attr-defined]
            graph.value_info.append(helper.make_tensor_value_info(name, element, dims))
            known.add(name)
    return model
