"""``AbsorbFlattenIntoMVAU``: a channels-last Flatten/Reshape in front of an MVAU vanishes."""

from __future__ import annotations

import math
from typing import Any

from brainsmith import hw_transform
from brainsmith.hardware import (
    is_kernel_node,
    kernel_name,
    record_absorbed,
    record_declined,
)
from qonnx.transformation.base import Transformation

from .inference import Unmet, attribute, known_shape

CANDIDATES = frozenset({("", "Flatten"), ("", "Reshape")})
"""``(domain, op_type)`` of the nodes this rule absorbs."""

KERNEL = "MVAU"


@hw_transform(kernels=["MVAU"])
class AbsorbFlattenIntoMVAU(Transformation):  # type: ignore[misc]
    """Remove a ``Flatten``/``Reshape`` whose input is channels-last and whose only consumer is
    an ``MVAU``, which then reads the unflattened tensor.

    A channels-last tensor ``(N, H, W, C)`` streams in C order, so flattening it to
    ``(N, H*W*C)`` does not change the order of the elements on the stream: it costs nothing in
    hardware. The MVAU keeps ``numInputVectors`` and ``MW`` (its golden model reshapes an input
    ``numInputVectors + [d1, ..., dk]`` with ``d1 * ... * dk == MW``; see the kernel), and the
    node is recorded as an absorbed source of the MVAU
    (:func:`brainsmith.hardware.record_absorbed`).

    Preconditions, each recorded with :func:`brainsmith.hardware.record_declined` when unmet:
    the output is read by exactly one node, an MVAU kernel node, as its input 0 and is no graph
    output; both shapes are static; the input's leading axes equal the MVAU's
    ``numInputVectors`` and its trailing axes multiply to ``MW``; and an input of rank > 2 is
    channels-last: produced by a kernel node (every streaming kernel is channels-last) or
    annotated with a tensor layout ending in ``C``. A flatten of channels-first data would
    reorder the stream and stays in software (streamlining should have moved the transpose into
    the weights first).

    Run in ``kernel_mapping`` after every ``Infer<Kernel>`` rule (the producer must already be a
    kernel node) and before ``PartitionDataflow``.
    """

    def apply(self, model: Any) -> tuple[Any, bool]:
        for node in [n for n in model.graph.node if (n.domain, n.op_type) in CANDIDATES]:
            try:
                mvau = self._consuming_mvau(model, node)
                reason = self._free_flatten_reason(model, node, mvau)
            except Unmet as unmet:
                record_declined(model, node, KERNEL, str(unmet))
                continue
            self._absorb(model, node, mvau, reason)
        return model, False

    @staticmethod
    def _consuming_mvau(model: Any, node: Any) -> Any:
        out = node.output[0]
        if out in {t.name for t in model.graph.output}:
            raise Unmet(f"its output {out!r} is a graph output")
        consumers = model.find_consumers(out)
        mvaus = [c for c in consumers if is_kernel_node(c) and kernel_name(c.op_type) == KERNEL]
        if len(consumers) != 1 or len(mvaus) != 1 or mvaus[0].input[0] != out:
            readers = ", ".join(f"{c.op_type} {c.name!r}" for c in consumers) or "nothing"
            raise Unmet(
                f"its output {out!r} is read by {readers}; it is absorbed only when an MVAU "
                "kernel node is its one reader (as input 0)"
            )
        return mvaus[0]

    @staticmethod
    def _free_flatten_reason(model: Any, node: Any, mvau: Any) -> str:
        x = node.input[0]
        shape = known_shape(model, x, "input")
        vecs = [int(v) for v in attribute(mvau, "numInputVectors", [1])]
        mw = int(attribute(mvau, "MW", 0))
        leading, trailing = shape[: len(vecs)], shape[len(vecs) :]
        if leading != vecs or not trailing or math.prod(trailing) != mw:
            raise Unmet(
                f"input {x!r} has shape {shape}, which MVAU {mvau.name!r} cannot read as "
                f"numInputVectors {vecs} + [MW={mw}]"
            )
        if len(shape) <= 2:
            return f"{shape} to {[*vecs, mw]} keeps the element order"
        producer = model.find_producer(x)
        if producer is not None and is_kernel_node(producer):
            return (
                f"{shape} is the channels-last output of kernel node {producer.name!r}: "
                "flattening keeps the stream order"
            )
        layout = model.get_tensor_layout(x)
        if layout and len(layout) == len(shape) and str(layout[-1]) == "C":
            return f"{shape} has channels-last layout {list(layout)}: flattening keeps the order"
        source = f"software node {producer.name!r}" if producer is not None else "the graph input"
        raise Unmet(
            f"input {x!r} ({shape}) is not known to be channels-last: it comes from {source} "
            "without a channels-last tensor layout, and flattening channels-first data would "
            "reorder the stream (convert the graph to channels-last first)"
        )

    @staticmethod
    def _absorb(model: Any, node: Any, mvau: Any, reason: str) -> None:
        graph = model.graph
        flat = node.output[0]
        mvau.input[0] = node.input[0]
        graph.node.remove(node)
        for extra in node.input[1:]:  # Reshape's shape tensor, if nothing else reads it
            if (
                extra
                and not model.find_consumers(extra)
                and model.get_initializer(extra) is not None
            ):
                graph.initializer.remove(next(t for t in graph.initializer if t.name == extra))
        for info in [v for v in graph.value_info if v.name == flat]:
            graph.value_info.remove(info)
        record_absorbed(model, mvau, KERNEL, node, reason)
