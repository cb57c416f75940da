"""Small graph queries and edits shared by the lowering transforms."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray
from onnx import TensorProto, helper

QONNX_DOMAIN = "qonnx.custom_op.general"
QUANT_DOMAINS = frozenset({QONNX_DOMAIN, "onnx.brevitas", "finn.custom_op.general"})


QUANT_OPS = ("Quant", "IntQuant", "BipolarQuant")
"""The QONNX quantizers the lowering understands."""


def is_quant(node: Any) -> bool:
    """Whether ``node`` is a QONNX ``Quant`` (``IntQuant``, its qonnx 1.0 name, has the same
    inputs, attributes and semantics) or ``BipolarQuant``."""
    return node.op_type in QUANT_OPS and node.domain in QUANT_DOMAINS


def sole_consumer(model: Any, tensor: str) -> Any | None:
    """The only node reading ``tensor``, or ``None`` if it has several readers, none, or is a
    graph output (then rewriting its producer would change what the graph returns)."""
    if tensor in {o.name for o in model.graph.output}:
        return None
    consumers = model.find_consumers(tensor)
    return consumers[0] if len(consumers) == 1 else None


def constant_operand(model: Any, node: Any) -> tuple[str, NDArray[np.float64]] | None:
    """For a two-input node with exactly one initializer input: ``(dynamic input name,
    constant as float64)``; ``None`` otherwise."""
    if len(node.input) != 2:
        return None
    values = [model.get_initializer(name) for name in node.input]
    if (values[0] is None) == (values[1] is None):
        return None
    if values[1] is not None:
        return node.input[0], np.asarray(values[1], dtype=np.float64)
    return node.input[1], np.asarray(values[0], dtype=np.float64)


def new_tensor(model: Any, shape: Sequence[int] | None = None) -> str:
    """A fresh tensor name, with a float value_info of ``shape`` when given."""
    name: str = model.make_new_valueinfo_name()
    if shape is not None:
        model.graph.value_info.append(
            helper.make_tensor_value_info(name, TensorProto.FLOAT, list(shape))
        )
    return name


def new_constant(model: Any, value: NDArray[np.generic], dtype: Any = np.float32) -> str:
    """A fresh initializer holding ``value`` (stored as ``dtype``); returns its name."""
    name: str = model.make_new_valueinfo_name()
    model.set_initializer(name, np.asarray(value, dtype=dtype))
    return name


def insert_after(model: Any, anchor: Any, nodes: Sequence[Any]) -> None:
    """Insert ``nodes`` right after ``anchor`` in the node list (keeps a topological order)."""
    graph = model.graph
    index = list(graph.node).index(anchor)
    for offset, node in enumerate(nodes, start=1):
        graph.node.insert(index + offset, node)


def shape_of(model: Any, tensor: str) -> list[int] | None:
    """The known shape of ``tensor`` as a list of ints, or ``None``."""
    shape = model.get_tensor_shape(tensor)
    if shape is None or any(not isinstance(d, int) or d <= 0 for d in shape):
        return None
    return [int(d) for d in shape]


def attribute(node: Any, name: str, default: Any = None) -> Any:
    """The value of ``node``'s attribute ``name`` (ints, floats, strings decoded), or
    ``default``."""
    for attr in node.attribute:
        if attr.name == name:
            value = helper.get_attribute_value(attr)
            if isinstance(value, bytes):
                return value.decode()
            return list(value) if isinstance(value, list | tuple) else value
    return default


def swap_past(model: Any, elementwise: Any, follower: Any, constant: NDArray[np.generic]) -> None:
    """Rewrite ``follower(op(x, c))`` into ``op(follower(x), constant)``.

    ``elementwise`` is a two-input ``Mul``/``Add`` with one constant operand whose output is read
    only by ``follower`` (on its first input); ``constant`` is the operand that makes the swap
    value-preserving (the caller proves it)."""
    dynamic = constant_operand(model, elementwise)
    assert dynamic is not None
    final = follower.output[0]
    moved = new_tensor(model, shape_of(model, final))
    follower.input[0] = dynamic[0]
    follower.output[0] = moved
    const_name = new_constant(model, constant)
    replacement = helper.make_node(
        elementwise.op_type, [moved, const_name], [final], name=elementwise.name
    )
    model.graph.node.remove(elementwise)
    insert_after(model, follower, [replacement])


def channel_axis_of_threshold(node: Any, rank: int) -> int | None:
    """The channel axis a ``MultiThreshold`` node uses on a ``rank``-dim input: its
    ``data_layout`` attribute's ``C``, else qonnx's default by rank (NC, NWC, NCHW)."""
    layout = attribute(node, "data_layout", "")
    if layout:
        return layout.index("C") if "C" in layout else None
    return {2: 1, 3: 2, 4: 1}.get(rank)


ACCUMULATORS = frozenset({"MatMul", "Conv", "Gemm"})
FLOAT_PASS_THROUGH = frozenset({"Mul", "Add", "Transpose", "Reshape", "Flatten"})


def after_accumulator(model: Any, tensor: str) -> bool:
    """Whether ``tensor`` is computed from a ``MatMul``/``Conv``/``Gemm`` output through
    elementwise ``Mul``/``Add`` and layout nodes: a value whose original float32 sums the
    integer lowering does not reproduce bit for bit anyway."""
    producer = model.find_producer(tensor)
    while producer is not None and producer.op_type in FLOAT_PASS_THROUGH:
        producer = model.find_producer(producer.input[0])
    return producer is not None and producer.op_type in ACCUMULATORS
