"""Random inputs for ``--verify`` drawn by what each graph input means.

A float input gets uniform values in [-1, 1]; an input annotated with a QONNX integer datatype
gets integers of that datatype (``BIPOLAR``: -1/+1). An input of an integer element type is
followed through value-preserving nodes (``Cast``, ``Identity``, ``Squeeze``, ``Unsqueeze``,
``Flatten``) to the node that consumes it, and gets values that are valid *there*: a
``Reshape`` shape that fits the data, ``Gather``/``ScatterElements``/``GatherND`` indices
within the axis size, ``Tile`` repeats and ``ConstantOfShape`` sizes that are small and
non-negative, a ``Div``/``Mod`` divisor that is never 0, ``Slice`` axes that exist and steps
that are not 0, ``TopK`` k within the axis, ``Range`` deltas not 0, ``OneHot`` depths >= 1,
``Expand`` shapes that broadcast, ``Pad`` pads >= 0, ``Split`` sizes that sum to the axis.
Other integer inputs get integers in [-100, 100] (clipped to the element type). Dimensions
given as 0 are kept (an empty tensor); unknown (symbolic) dimensions are 1.

Sequence inputs get a sequence of two tensors; optional inputs are given a value. Inputs whose
type cannot be drawn (maps, sparse tensors) make the model unverifiable: :func:`undrawable`
says why.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import numpy as np
    from onnx import NodeProto, TypeProto, ValueInfoProto
    from qonnx.core.modelwrapper import ModelWrapper

INTEGER_SPAN = 100
"""Integers of no known meaning are drawn in [-INTEGER_SPAN, INTEGER_SPAN]."""

SEQUENCE_LENGTH = 2
"""How many tensors a drawn sequence holds."""

_PASS_THROUGH = {"Cast": 0, "Identity": 0, "Squeeze": 0, "Unsqueeze": 0, "Flatten": 0}
"""Nodes whose output carries the values of their input (at that index) unchanged."""


def graph_inputs(model: ModelWrapper) -> list[ValueInfoProto]:
    """The graph inputs a caller feeds: those that are not initializers, in graph order."""
    initializers = {t.name for t in model.graph.initializer}
    return [vi for vi in model.graph.input if vi.name not in initializers]


def undrawable(model: ModelWrapper) -> str | None:
    """Why inputs cannot be drawn for ``model`` (the first input of a kind not supported), or
    ``None``."""
    for vi in graph_inputs(model):
        kind = _kind(vi.type)
        if kind is not None:
            return f"input {vi.name!r} is a {kind}, for which no values can be drawn"
    return None


def _kind(type_: TypeProto) -> str | None:
    """The unsupported kind of ``type_``, or ``None`` when values can be drawn for it."""
    which = type_.WhichOneof("value")
    if which == "tensor_type":
        return None
    if which in ("sequence_type", "optional_type"):
        inner = getattr(type_, which).elem_type
        return None if inner.WhichOneof("value") == "tensor_type" else f"{which} of {inner}"
    return {"map_type": "map", "sparse_tensor_type": "sparse tensor"}.get(str(which), "untyped")


def draw_inputs(model: ModelWrapper, seed: int = 0) -> dict[str, Any]:
    """Seeded values for every graph input, by shape, element type, QONNX datatype and use.

    :returns: name → numpy array (a list of arrays for a sequence), in graph order.
    :raises ValueError: an input's type cannot be drawn (see :func:`undrawable`).
    """
    import numpy as np

    reason = undrawable(model)
    if reason is not None:
        raise ValueError(reason)
    rng = np.random.default_rng(seed)
    context = _Context(model)
    inputs: dict[str, Any] = {}
    for vi in graph_inputs(model):
        type_ = vi.type
        which = type_.WhichOneof("value")
        if which == "tensor_type":
            inputs[vi.name] = _tensor(model, vi.name, type_, rng, context)
        else:
            inner = getattr(type_, which).elem_type
            if which == "optional_type":
                inputs[vi.name] = _tensor(model, vi.name, inner, rng, context)
            else:
                inputs[vi.name] = [
                    _tensor(model, vi.name, inner, rng, context) for _ in range(SEQUENCE_LENGTH)
                ]
    return inputs


def _shape(type_: TypeProto) -> tuple[int, ...]:
    """The tensor shape to draw: fixed dimensions as given (0 kept), unknown ones 1."""
    dims = type_.tensor_type.shape.dim
    return tuple(d.dim_value if d.WhichOneof("value") == "dim_value" else 1 for d in dims)


def _tensor(
    model: ModelWrapper,
    name: str,
    type_: TypeProto,
    rng: np.random.Generator,
    context: _Context,
) -> Any:
    import numpy as np
    from onnx import TensorProto, helper

    shape = _shape(type_)
    elem = type_.tensor_type.elem_type
    if elem == TensorProto.STRING:
        words = np.array(["", "a", "brain", "smith", "ONNX"], dtype=object)
        return rng.choice(words, size=shape)
    np_type = helper.tensor_dtype_to_np_dtype(elem)
    if elem == TensorProto.BOOL:
        return rng.integers(0, 2, size=shape).astype(bool)
    datatype = model.get_tensor_datatype(name)
    if datatype.name == "BIPOLAR":
        return (2 * rng.integers(0, 2, size=shape) - 1).astype(np_type)
    if datatype.is_integer():
        low, high = int(datatype.min()), int(datatype.max())
        return rng.integers(low, high + 1, size=shape).astype(np_type)
    if np.issubdtype(np_type, np.integer):
        use = _use(model, name)
        values = None
        if use is not None:
            node, index = use
            draw = _BY_USE.get((node.op_type, index))
            if draw is not None:
                values = draw(node, shape, rng, context)
        if values is None:
            info = np.iinfo(np_type)
            low, high = max(info.min, -INTEGER_SPAN), min(info.max, INTEGER_SPAN)
            values = rng.integers(low, high + 1, size=shape)
        return np.asarray(values).reshape(shape).astype(np_type)
    return rng.uniform(-1.0, 1.0, size=shape).astype(np_type)


def _use(model: ModelWrapper, name: str) -> tuple[NodeProto, int] | None:
    """The first node (and input index) that reads ``name``'s values, looking through
    value-preserving nodes."""
    seen = {name}
    frontier = [name]
    while frontier:
        tensor = frontier.pop(0)
        for node in model.graph.node:
            for index, used in enumerate(node.input):
                if used != tensor:
                    continue
                if _PASS_THROUGH.get(node.op_type) == index and node.output[0] not in seen:
                    seen.add(node.output[0])
                    frontier.append(node.output[0])
                else:
                    return node, index
    return None


def _known_shapes(model: ModelWrapper) -> dict[str, tuple[int, ...] | None]:
    """Every tensor's static shape onnx's shape inference knows (``None`` when unknown)."""
    import onnx

    try:
        inferred = onnx.shape_inference.infer_shapes(model.model)
    except Exception:  # inference is a help here, never a requirement
        inferred = model.model
    shapes: dict[str, tuple[int, ...] | None] = {}
    graph = inferred.graph
    for vi in (*graph.input, *graph.value_info, *graph.output):
        if vi.type.WhichOneof("value") != "tensor_type":
            continue
        if not vi.type.tensor_type.HasField("shape"):
            shapes[vi.name] = None
            continue
        dims = vi.type.tensor_type.shape.dim
        fixed = all(d.WhichOneof("value") == "dim_value" for d in dims)
        shapes[vi.name] = tuple(d.dim_value for d in dims) if fixed else None
    for init in graph.initializer:
        shapes[init.name] = tuple(init.dims)
    return shapes


class _Context:
    """What a drawing rule may look up: other tensors' shapes (inferred on first use: most
    models have no input a rule needs them for) and constant values."""

    def __init__(self, model: ModelWrapper) -> None:
        self.model = model

    @functools.cached_property
    def shapes(self) -> dict[str, tuple[int, ...] | None]:
        return _known_shapes(self.model)

    def shape(self, node: NodeProto, index: int) -> tuple[int, ...] | None:
        if index >= len(node.input) or not node.input[index]:
            return None
        return self.shapes.get(node.input[index])

    def axis_size(self, node: NodeProto, index: int, default_axis: int = 0) -> int | None:
        shape = self.shape(node, index)
        axis = _attr(node, "axis", default_axis)
        if shape is None or not -len(shape) <= axis < len(shape):
            return None
        return shape[axis]

    def constant(self, node: NodeProto, index: int) -> Any:
        if index >= len(node.input):
            return None
        return self.model.get_initializer(node.input[index])


def _attr(node: NodeProto, name: str, default: int) -> int:
    from onnx import helper

    for attribute in node.attribute:
        if attribute.name == name:
            return int(helper.get_attribute_value(attribute))
    return default


def _count(shape: tuple[int, ...]) -> int:
    return math.prod(shape)


_Draw = Callable[[Any, tuple[int, ...], Any, _Context], Any]


def _reshape_shape(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
    """A target shape that fits the data: copy (0) or keep its leading dims, infer the rest."""
    n = _count(shape)
    if n == 0:
        return []
    data = ctx.shape(node, 0)
    if _attr(node, "allowzero", 0) and data is None:
        return [-1] + [1] * (n - 1)
    rank = len(data) if data is not None else n
    lead: list[int] = list(data) if data is not None else [0] * rank
    if n <= rank:
        return [*lead[: n - 1], -1]
    return [*lead, *[1] * (n - rank)]


def _expand_shape(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
    """A shape the data broadcasts to: 1 or the data's size per dimension, 1..3 where the
    data has 1 or no dimension."""
    n = _count(shape)
    data = ctx.shape(node, 0)
    if data is None:
        return [1] * n
    padded = [1] * max(0, n - len(data)) + list(data)[max(0, len(data) - n) :]
    return [int(rng.integers(1, 4)) if d == 1 else d for d in padded]


def _small(low: int, high: int) -> _Draw:
    return lambda node, shape, rng, ctx: rng.integers(low, high + 1, size=shape)


def _nonzero(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
    magnitude = rng.integers(1, INTEGER_SPAN + 1, size=shape)
    return magnitude * rng.choice([-1, 1], size=shape)


def _index(data_input: int, default_axis: int = 0, *, signed: bool = True) -> _Draw:
    """Indices within the size of the data's axis (negative ones too where allowed)."""

    def draw(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
        size = ctx.axis_size(node, data_input, default_axis)
        if size is None or size == 0:
            return [0] * _count(shape)
        return rng.integers(-size if signed else 0, size, size=shape)

    return draw


def _nd_index(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
    """GatherND/ScatterND indices: column j within the data's dimension j."""
    data = ctx.shape(node, 0)
    if not shape or data is None:
        return [0] * _count(shape)
    import numpy as np

    columns = [rng.integers(0, max(data[j], 1), size=shape[:-1]) for j in range(shape[-1])]
    return np.stack(columns, axis=-1) if columns else np.zeros(shape)


def _axes(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
    """Distinct existing axes of the data."""
    n = _count(shape)
    data = ctx.shape(node, 0)
    rank = len(data) if data is not None else n
    return rng.permutation(max(rank, n))[:n]


def _unsqueeze_axes(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
    return list(range(_count(shape)))


def _top_k(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
    size = ctx.axis_size(node, 0, -1)
    return rng.integers(1, (size or 1) + 1, size=shape)


def _split(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
    """Sizes that sum to the split axis."""
    n = _count(shape)
    size = ctx.axis_size(node, 0)
    if size is None or n == 0:
        return [1] * n
    cuts = sorted(rng.integers(0, size + 1, size=n - 1))
    bounds = [0, *cuts, size]
    return [bounds[i + 1] - bounds[i] for i in range(n)]


def _one_hot_indices(node: Any, shape: tuple[int, ...], rng: Any, ctx: _Context) -> Any:
    depth = ctx.constant(node, 1)
    size = int(depth.reshape(-1)[0]) if depth is not None else 2
    return rng.integers(-size, size, size=shape)


_BY_USE: dict[tuple[str, int], _Draw] = {
    ("Reshape", 1): _reshape_shape,
    ("Expand", 1): _expand_shape,
    ("ConstantOfShape", 0): _small(0, 3),
    ("Tile", 1): _small(1, 3),
    ("Pad", 1): _small(0, 2),
    ("Range", 0): _small(-5, 5),
    ("Range", 1): _small(-5, 5),
    ("Range", 2): lambda node, shape, rng, ctx: rng.choice([-2, -1, 1, 2], size=shape),
    ("Div", 1): _nonzero,
    ("Mod", 1): _nonzero,
    ("Gather", 1): _index(0),
    ("GatherElements", 1): _index(0),
    ("ScatterElements", 1): _index(0),
    ("GatherND", 1): _nd_index,
    ("ScatterND", 1): _nd_index,
    ("OneHot", 0): _one_hot_indices,
    ("OneHot", 1): _small(1, 5),
    ("Slice", 3): _axes,
    ("Slice", 4): lambda node, shape, rng, ctx: rng.choice([-2, -1, 1, 2], size=shape),
    ("TopK", 1): _top_k,
    ("Unsqueeze", 1): _unsqueeze_axes,
    ("Split", 1): _split,
    ("CumSum", 1): lambda node, shape, rng, ctx: [0] * _count(shape),
    **{(op, 1): _axes for op in ("ReduceSum", "ReduceMean", "ReduceMax", "ReduceMin")},
    **{(op, 1): _axes for op in ("ReduceProd", "ReduceL1", "ReduceL2", "ReduceLogSumExp")},
}
"""How an integer input is drawn, by the (op_type, input index) that consumes it."""
