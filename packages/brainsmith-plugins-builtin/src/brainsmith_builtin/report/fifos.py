"""The StreamingFIFO depths on each kernel node's input and output streams.

A FIFO sits on a stream between two kernels, possibly next to a width converter
(``producer -> StreamingFIFO -> StreamingDataWidthConverter -> consumer``). For the report each
kernel node is given the depths of the FIFOs it reads from and writes to, looking through
width converters and chained FIFOs (FINN's ``InsertFIFO`` places one on each side of a converter).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from brainsmith.hardware import is_kernel_node, kernel_name

FIFO_KERNEL = "StreamingFIFO"
"""The kernel whose nodes are FIFOs (attribute ``depth``, in stream words)."""
PASS_THROUGH_KERNELS = frozenset({FIFO_KERNEL, "StreamingDataWidthConverter"})
"""Infrastructure kernels a stream crosses between two compute kernels."""
DEFAULT_DEPTH = 2
"""``depth`` of a StreamingFIFO node without the attribute (the kernel's default)."""


@dataclass(frozen=True, slots=True)
class StreamFifos:
    """The FIFO depths (stream words) on a kernel node's streams, in stream order: ``inputs``
    are the FIFOs it reads from (for a two-input kernel, those of the first input first),
    ``outputs`` those it writes to. Empty when the stream has no FIFO."""

    inputs: tuple[int, ...] = ()
    outputs: tuple[int, ...] = ()


def fifo_depth(node: Any) -> int:
    """The ``depth`` attribute of a StreamingFIFO node (``DEFAULT_DEPTH`` when absent).

    :raises ValueError: when the attribute is not a positive integer.
    """
    for attribute in node.attribute:
        if attribute.name == "depth":
            depth = int(attribute.i)
            if depth < 1:
                raise ValueError(
                    f"StreamingFIFO node {node.name!r}: attribute depth={depth} must be a "
                    "positive number of stream words (re-run FIFO sizing or fix the model)"
                )
            return depth
    return DEFAULT_DEPTH


def _kernel(node: Any) -> str | None:
    return kernel_name(node.op_type) if is_kernel_node(node) else None


def is_fifo(node: Any) -> bool:
    """Whether ``node`` is a StreamingFIFO kernel node (specialised to a backend or not)."""
    return _kernel(node) == FIFO_KERNEL


def stream_fifos(model: Any) -> dict[str, StreamFifos]:
    """``{kernel node name: StreamFifos}`` for every kernel node of ``model`` (a qonnx
    ``ModelWrapper``) that has a FIFO on any of its streams; nodes without are left out.

    A FIFO node itself is not given its own depth; a FIFO between two compute kernels counts as
    the output FIFO of the first and the input FIFO of the second.
    """
    producer = {out: node for node in model.graph.node for out in node.output}
    consumers: dict[str, list[Any]] = defaultdict(list)
    for node in model.graph.node:
        for name in node.input:
            consumers[name].append(node)

    def upstream(tensor: str) -> list[int]:
        depths: list[int] = []
        node = producer.get(tensor)
        while node is not None and _kernel(node) in PASS_THROUGH_KERNELS:
            if _kernel(node) == FIFO_KERNEL:
                depths.append(fifo_depth(node))
            node = producer.get(node.input[0]) if node.input else None
        return depths[::-1]

    def downstream(tensor: str) -> list[int]:
        depths: list[int] = []
        for node in consumers.get(tensor, ()):
            if _kernel(node) not in PASS_THROUGH_KERNELS:
                continue
            if _kernel(node) == FIFO_KERNEL:
                depths.append(fifo_depth(node))
            for out in node.output:
                depths.extend(downstream(out))
        return depths

    found: dict[str, StreamFifos] = {}
    for node in model.graph.node:
        if _kernel(node) is None or _kernel(node) == FIFO_KERNEL:
            continue
        inputs = tuple(d for name in node.input for d in upstream(name))
        outputs = tuple(d for name in node.output for d in downstream(name))
        if inputs or outputs:
            found[node.name] = StreamFifos(inputs, outputs)
    return found
