"""``KernelInference``: the shared shape of every builtin kernel inference rule.

A rule looks at every candidate node (by op_type and domain), checks its preconditions and
either rewrites it into a kernel node, keeping its tensor names, or records with
:func:`brainsmith.hardware.record_declined` why it did not. The helpers here phrase the common
preconditions (integer datatypes, known shapes, constant initializers) as :class:`Unmet`.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any, ClassVar

import numpy as np
from brainsmith.hardware import kernel_domain, record_declined, record_mapped
from onnx import helper
from qonnx.core.datatype import DataType
from qonnx.transformation.base import Transformation

from brainsmith_builtin.kernels.datatypes import BIPOLAR_NAME, smallest_integer_type
from brainsmith_builtin.kernels.registration import NAMESPACE, install_builtin_kernels

BUILTIN_DOMAIN = kernel_domain(NAMESPACE)
QONNX_DOMAIN = "qonnx.custom_op.general"


MAX_THRESHOLD_STEPS = 255
"""The most thresholds per channel a builtin threshold kernel takes: an 8-bit activation.
Every step is a comparator in hardware (and an unrolled comparison in cppsim)."""


class Unmet(Exception):
    """A precondition of a kernel's inference rule does not hold; the message says which and
    how to meet it."""


class KernelInference(Transformation):  # type: ignore[misc]
    """Base of the builtin ``Infer<Kernel>`` rules: subclasses set ``kernel`` and
    ``candidates`` (``{(domain, op_type)}``) and implement :meth:`map_node`, which rewrites the
    graph or raises :class:`Unmet`. One ``apply`` visits every candidate once."""

    kernel: ClassVar[str]
    candidates: ClassVar[frozenset[tuple[str, str]]]

    def apply(self, model: Any) -> tuple[Any, bool]:
        install_builtin_kernels()
        visited: set[str] = set()
        while True:
            node = next(
                (
                    n
                    for n in model.graph.node
                    if (n.domain, n.op_type) in self.candidates and n.output[0] not in visited
                ),
                None,
            )
            if node is None:
                return model, False
            visited.add(node.output[0])
            try:
                self.map_node(model, node)
            except Unmet as unmet:
                record_declined(model, node, self.kernel, str(unmet))

    def map_node(self, model: Any, node: Any) -> None:
        """Rewrite ``node`` (and any nodes fused with it) into a kernel node, or raise
        :class:`Unmet` leaving the graph untouched."""
        raise NotImplementedError

    # --- rewriting ------------------------------------------------------------------------------

    def replace(
        self, model: Any, old: Sequence[Any], new: Any, output_datatype: Any | None = None
    ) -> None:
        """Put kernel node ``new`` where ``old[0]`` was, remove ``old``, annotate ``new``'s
        output datatype and record the mapping."""
        graph = model.graph
        index = list(graph.node).index(old[0])
        for node in old:
            graph.node.remove(node)
        graph.node.insert(index, new)
        ensure_opset(model, new.domain)
        if output_datatype is not None:
            model.set_tensor_datatype(new.output[0], output_datatype)
        record_mapped(model, new, self.kernel, old)

    def kernel_node(
        self, source: Any, inputs: Sequence[str], outputs: Sequence[str], **attrs: Any
    ) -> Any:
        """A node of this rule's kernel in the builtin domain, named after ``source``."""
        name = source.name or f"{self.kernel}_{source.output[0]}"
        return helper.make_node(
            self.kernel, list(inputs), list(outputs), name=name, domain=BUILTIN_DOMAIN, **attrs
        )


def ensure_opset(model: Any, domain: str, version: int = 1) -> None:
    """Declare ``domain`` in the model's opset imports if it is not yet."""
    if all(o.domain != domain for o in model.model.opset_import):
        model.model.opset_import.append(helper.make_opsetid(domain, version))


# --- preconditions ------------------------------------------------------------------------------


def integer_datatype(model: Any, tensor: str, role: str) -> Any:
    """The integer qonnx datatype annotated on ``tensor``; :class:`Unmet` otherwise."""
    dt = model.get_tensor_datatype(tensor)
    if not dt.is_integer():
        raise Unmet(
            f"{role} {tensor!r} has datatype {dt.name}, not an integer datatype "
            "(quantise it upstream: a Quant or MultiThreshold, then streamline)"
        )
    return dt


def known_shape(model: Any, tensor: str, role: str) -> list[int]:
    """The static shape of ``tensor``; :class:`Unmet` if unknown."""
    shape = model.get_tensor_shape(tensor)
    if shape is None or any(not isinstance(d, int) or d < 1 for d in shape):
        raise Unmet(f"{role} {tensor!r} has no static shape (run InferShapes first)")
    return [int(d) for d in shape]


def initializer(model: Any, tensor: str, role: str) -> Any:
    """The constant value of ``tensor``; :class:`Unmet` if it is computed at run time."""
    value = model.get_initializer(tensor)
    if value is None:
        raise Unmet(f"{role} {tensor!r} is not a constant initializer")
    return value


def attribute(node: Any, name: str, default: Any) -> Any:
    """Attribute ``name`` of a standard or qonnx node (``default`` when absent)."""
    for attr in node.attribute:
        if attr.name == name:
            value = helper.get_attribute_value(attr)
            return value.decode() if isinstance(value, bytes) else value
    return default


def integer_thresholds(values: Any, rows: Iterable[int], role: str) -> tuple[Any, Any]:
    """Thresholds for an integer input, ready for a kernel: each row sorted ascending and
    rounded up (for integer ``x``, ``x >= t`` iff ``x >= ceil(t)``), and the narrowest integer
    datatype holding them. :class:`Unmet` for a bad shape or a non-finite threshold."""
    t = np.asarray(values, dtype=np.float64)
    if t.ndim != 2 or t.shape[0] not in set(rows) or t.shape[1] < 1:
        raise Unmet(f"{role} have shape {list(t.shape)}; expected [channels, steps] or [1, steps]")
    if not np.isfinite(t).all():
        raise Unmet(f"{role} contain non-finite values")
    t = np.sort(np.ceil(t), axis=1)
    return t.astype(np.float32), smallest_integer_type(t.min(), t.max())


def own_initializer(model: Any, node: Any, index: int, value: Any, dt: Any) -> str:
    """Set input ``index`` of ``node`` to ``value`` (datatype ``dt``), under the same name if
    no other node reads it, else under a new name; returns the name."""
    name = node.input[index]
    if len(model.find_consumers(name)) > 1:
        name = f"{name}_{node.output[0]}"
    model.set_initializer(name, value)
    model.set_tensor_datatype(name, dt)
    return str(name)


def is_bipolar_activation(node: Any) -> bool:
    """Whether a qonnx ``MultiThreshold`` is the bipolar sign activation: ``out_dtype=BIPOLAR``,
    ``out_scale=2``, ``out_bias=-1`` (``y = 2 * count - 1``, i.e. -1/+1)."""
    return (
        attribute(node, "out_dtype", "") == BIPOLAR_NAME
        and float(attribute(node, "out_scale", 1.0)) == 2.0
        and float(attribute(node, "out_bias", 0.0)) == -1.0
    )


def threshold_output(node: Any) -> tuple[Any, int]:
    """The kernel ``outputDataType`` and ``ActVal`` that reproduce a qonnx ``MultiThreshold``
    (checked with :func:`multithreshold_problem`): its ``out_dtype`` and its integer
    ``out_bias``, or for the bipolar activation ``BIPOLAR`` and 0 (the kernel contract implies
    ``2 * count - 1`` for a BIPOLAR output and ignores ``ActVal``)."""
    odt = DataType[attribute(node, "out_dtype", "")]
    if is_bipolar_activation(node):
        return odt, 0
    return odt, int(float(attribute(node, "out_bias", 0.0)))


def multithreshold_problem(model: Any, node: Any, channels: int) -> str | None:
    """Why a qonnx ``MultiThreshold`` cannot become kernel thresholds over the last axis of
    ``channels`` channels, or ``None`` if it can.

    Kernels count thresholds (``ActVal + count``) without scaling; the one scaled form they
    take is the bipolar activation (``out_dtype=BIPOLAR, out_scale=2, out_bias=-1`` with one
    threshold per channel), which a kernel with ``outputDataType=BIPOLAR`` computes."""
    scale = float(attribute(node, "out_scale", 1.0))
    bias = float(attribute(node, "out_bias", 0.0))
    out_dtype = attribute(node, "out_dtype", "")
    bipolar = is_bipolar_activation(node)
    if out_dtype == BIPOLAR_NAME and not bipolar:
        return (
            f"out_dtype=BIPOLAR with out_scale={scale:g}, out_bias={bias:g}: a bipolar kernel "
            "output is 2 * count - 1, so it needs out_scale=2 and out_bias=-1"
        )
    if scale != 1.0 and not bipolar:
        return f"out_scale={scale:g}, must be 1 (kernels count thresholds without scaling)"
    if bias != int(bias):
        return f"out_bias={bias:g} is not an integer"
    if model.get_initializer(node.input[1]) is None:
        return f"thresholds {node.input[1]!r} are not a constant initializer"
    shape = model.get_tensor_shape(node.input[0]) or []
    rank = len(shape)
    layout = attribute(node, "data_layout", "") or {2: "NC", 3: "NWC", 4: "NCHW"}.get(rank, "")
    axis = layout.index("C") if "C" in layout else 1
    if rank and axis != rank - 1:
        return (
            f"thresholds apply over axis {axis} (data_layout {layout or 'default'}), not the "
            "last (channels-last) axis; convert the graph to channels-last first"
        )
    t_shape = model.get_initializer(node.input[1]).shape
    if t_shape[0] not in (1, channels):
        return f"thresholds have {t_shape[0]} rows for {channels} channels"
    if bipolar and (len(t_shape) != 2 or t_shape[1] != 1):
        return (
            f"a BIPOLAR output needs one threshold per channel, the thresholds have shape "
            f"{list(t_shape)}"
        )
    steps = t_shape[-1] if len(t_shape) == 2 else 0
    if steps > MAX_THRESHOLD_STEPS:
        return (
            f"{steps} thresholds per channel: the builtin threshold kernels take at most "
            f"{MAX_THRESHOLD_STEPS} (8-bit activations); quantize the activation to 8 bits or less"
        )
    return None


def sum_range_datatype(*datatypes: Any) -> Any:
    """The narrowest integer datatype holding any sum of one value of each datatype."""
    return smallest_integer_type(
        sum(float(dt.min()) for dt in datatypes), sum(float(dt.max()) for dt in datatypes)
    )


def accumulator_datatype(input_dt: Any, weights: Any) -> Any:
    """The narrowest integer datatype holding every ``x @ W`` for ``x`` of ``input_dt``."""
    w = np.asarray(weights, dtype=np.float64)
    lo, hi = float(input_dt.min()), float(input_dt.max())
    col_min = np.minimum(w * lo, w * hi).sum(axis=0)
    col_max = np.maximum(w * lo, w * hi).sum(axis=0)
    return smallest_integer_type(min(col_min.min(), 0.0), max(col_max.max(), 0.0))


__all__ = [
    "BUILTIN_DOMAIN",
    "QONNX_DOMAIN",
    "KernelInference",
    "Unmet",
    "accumulator_datatype",
    "attribute",
    "ensure_opset",
    "initializer",
    "integer_datatype",
    "integer_thresholds",
    "is_bipolar_activation",
    "known_shape",
    "multithreshold_problem",
    "own_initializer",
    "sum_range_datatype",
    "threshold_output",
]
