"""The dataflow partition of a model as a pipeline for the simulator, and its FIFO depths.

Kernel nodes become :class:`brainsmith.hardware.PipelineNode`\\ s with their
``transfer_pattern()``; ``StreamingFIFO`` nodes become the
:class:`brainsmith.hardware.PipelineEdge` between their producer and consumer, with their
``depth``; a stream between two kernels without a FIFO node is an edge of ``default_depth``.
Streams from software (or the graph input) into a kernel come from a source offering one word
per cycle; streams out of the partition go to a sink that is always ready.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from brainsmith.hardware import (
    PipelineEdge,
    PipelineNode,
    is_kernel_node,
    kernel_name,
)
from qonnx.custom_op.registry import getCustomOp

FIFO_KERNEL = "StreamingFIFO"


@dataclass(frozen=True)
class FifoEdge:
    """A ``StreamingFIFO`` node between two kernels: the FIFO node's name, the producing kernel
    node (``None``: the partition input), the consuming kernel node and its input port
    (``None``: the partition output), and the depth in words."""

    fifo: str
    producer: str | None
    consumer: str | None
    port: int
    depth: int


def is_fifo(node: Any) -> bool:
    """Whether ``node`` is a ``StreamingFIFO`` kernel node (any backend)."""
    return bool(is_kernel_node(node)) and kernel_name(node.op_type) == FIFO_KERNEL


def fifo_depths(model: Any) -> dict[str, int]:
    """``{FIFO node name: depth in words}`` for every ``StreamingFIFO`` node of ``model``: what
    ``SizeFIFOs`` chose. The FIFO node's input and output tensors name the stream it buffers;
    :func:`fifo_edges` gives the kernels on either side."""
    return {e.fifo: e.depth for e in fifo_edges(model)}


def fifo_edges(model: Any) -> list[FifoEdge]:
    """Every ``StreamingFIFO`` node with the kernel nodes it connects, in graph order."""
    producers = _producers(model)
    edges = []
    for node in model.graph.node:
        if not is_fifo(node):
            continue
        source = producers.get(node.input[0])
        targets = [
            (c, list(c.input).index(node.output[0]))
            for c in model.find_consumers(node.output[0]) or []
            if is_kernel_node(c)
        ]
        consumer, port = targets[0] if targets else (None, 0)
        edges.append(
            FifoEdge(
                fifo=node.name,
                producer=source.name if source is not None else None,
                consumer=consumer.name if consumer is not None else None,
                port=port,
                depth=int(getCustomOp(node).get_nodeattr("depth")),
            )
        )
    return edges


def dataflow_pipeline(
    model: Any, *, default_depth: int | None = 2
) -> tuple[list[PipelineNode], list[PipelineEdge]]:
    """The kernel nodes of ``model`` (FIFO nodes excepted) with their transfer patterns, and
    every stream between them as an edge: a FIFO node's edge is named after the node and has
    its depth; a direct stream ``"<tensor>:<consumer>"`` has ``default_depth`` (``None``:
    unbounded). Raises :class:`brainsmith.hardware.KernelNodeError` from a node whose
    attributes are invalid."""
    producers = _producers(model)
    graph_outputs = {t.name for t in model.graph.output}
    nodes: list[PipelineNode] = []
    edges: list[PipelineEdge] = []
    for node in model.graph.node:
        if not is_kernel_node(node) or is_fifo(node):
            continue
        op = getCustomOp(node)
        nodes.append(PipelineNode(node.name, op.transfer_pattern()))
        for port in range(op.stream_input_count()):
            tensor = node.input[port]
            source = producers.get(tensor)
            if source is not None and is_fifo(source):
                upstream = producers.get(source.input[0])
                edges.append(
                    PipelineEdge(
                        source.name,
                        upstream.name if upstream is not None else None,
                        node.name,
                        port,
                        int(getCustomOp(source).get_nodeattr("depth")),
                    )
                )
            else:
                edges.append(
                    PipelineEdge(
                        f"{tensor}:{node.name}",
                        source.name if source is not None else None,
                        node.name,
                        port,
                        default_depth if source is not None else None,
                    )
                )
        out = node.output[0]
        readers = model.find_consumers(out) or []
        leaves = out in graph_outputs or any(not is_kernel_node(c) for c in readers)
        leaves = leaves or any(
            is_fifo(c) and _leaves_partition(model, c.output[0], graph_outputs) for c in readers
        )
        if leaves:
            edges.append(PipelineEdge(f"{out}:output", node.name, None))
    return nodes, edges


def _leaves_partition(model: Any, tensor: str, graph_outputs: set[str]) -> bool:
    readers = model.find_consumers(tensor) or []
    return tensor in graph_outputs or any(not is_kernel_node(c) for c in readers)


def _producers(model: Any) -> dict[str, Any]:
    return {t: n for n in model.graph.node if is_kernel_node(n) for t in n.output}
