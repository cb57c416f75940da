"""The dataflow partition of a compiled model as a graph of streams between backend nodes.

:func:`read_partition` reads the partition that ``PartitionDataflow`` recorded in the model
(its kernel nodes, input and output tensors) and describes every stream: which node port
produces it, which node ports consume it, and its :class:`StreamPort` (element datatype,
elements per word, one frame's normal shape). The stitchers (:mod:`.hls_top`,
:mod:`.verilog_top`) generate their top-levels from this description alone.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from brainsmith.errors import BrainsmithError
from brainsmith.hardware import Backend, kernel_name, mapping_summary
from qonnx.custom_op.registry import getCustomOp

from brainsmith_builtin.backends.hls.elements import Element
from brainsmith_builtin.backends.hls.kernel import HLSKernel, StreamPort
from brainsmith_builtin.backends.nodes.hls_node import HLSNodeBackend
from brainsmith_builtin.backends.nodes.tensors import parameter_tensors

INFRASTRUCTURE_KERNELS = frozenset({"StreamingFIFO", "StreamingDataWidthConverter"})
"""Kernels that only move data: they do not decide whether a partition is HLS or RTL (the HLS
top-level realises a FIFO as a stream depth and a width converter as generated C++)."""


class StitchError(BrainsmithError):
    """The partition cannot be stitched into a top-level (e.g. a kernel node without a backend,
    software between kernel nodes, or streams whose elements do not match)."""


@dataclass(frozen=True)
class PartitionNode:
    """One backend node of the partition.

    ``inputs``/``outputs`` pair each stream tensor with its port, in the port order of the
    node's generated code (``in0, in1, ...``; ``out0, ...``). ``hls`` is the node's generated
    HLS kernel (``None`` for nodes that are not builtin HLS backends).
    """

    name: str
    op_type: str
    kernel: str
    language: str
    instance: Backend
    inputs: tuple[tuple[str, StreamPort], ...]
    outputs: tuple[tuple[str, StreamPort], ...]
    hls: HLSKernel | None
    expected_cycles: int

    @property
    def is_infrastructure(self) -> bool:
        """A StreamingFIFO or StreamingDataWidthConverter node."""
        return self.kernel in INFRASTRUCTURE_KERNELS


@dataclass(frozen=True)
class DataflowPartition:
    """The kernel nodes of the partition in graph (topological) order, and its boundary.

    ``inputs``/``outputs``: ``(tensor, port)`` of the partition's stream inputs and outputs, the
    port as the consuming / producing node sees it.
    """

    nodes: tuple[PartitionNode, ...]
    inputs: tuple[tuple[str, StreamPort], ...]
    outputs: tuple[tuple[str, StreamPort], ...]

    @property
    def languages(self) -> frozenset[str]:
        """Languages of the compute nodes (``{"hls"}``, ``{"rtl"}`` or both); FIFOs and width
        converters count only when the partition has nothing else."""
        compute = {n.language for n in self.nodes if not n.is_infrastructure}
        return frozenset(compute or {n.language for n in self.nodes})

    def producer(self, tensor: str) -> tuple[PartitionNode, int] | None:
        """The node and output port index producing ``tensor`` (``None`` for an input)."""
        for node in self.nodes:
            for index, (name, _) in enumerate(node.outputs):
                if name == tensor:
                    return node, index
        return None

    def consumers(self, tensor: str) -> list[tuple[PartitionNode, int]]:
        """The nodes and input port indices reading ``tensor``, in node order."""
        return [
            (node, index)
            for node in self.nodes
            for index, (name, _) in enumerate(node.inputs)
            if name == tensor
        ]

    @property
    def expected_cycles(self) -> int:
        """Cycles per frame in steady state: the slowest node's cycle formula."""
        return max((n.expected_cycles for n in self.nodes), default=0)


def _contract_port(instance: Backend, name: str, ind: int, output: bool) -> StreamPort:
    """A port from the kernel contract: datatype, folded shape (elements per word), normal
    shape."""
    node = instance.onnx_node.name
    if output:
        datatype = instance.get_output_datatype(ind)
        folded, normal = (
            instance.get_folded_output_shape(ind),
            instance.get_normal_output_shape(ind),
        )
    else:
        datatype = instance.get_input_datatype(ind)
        folded, normal = instance.get_folded_input_shape(ind), instance.get_normal_input_shape(ind)
    element = Element.of(datatype.name, node=node, attribute="datatype", allow_float=True)
    return StreamPort(name, element, int(folded[-1]), tuple(int(d) for d in normal))


def _node(model: Any, onnx_node: Any) -> PartitionNode:
    instance = getCustomOp(onnx_node)
    kernel = kernel_name(onnx_node.op_type)
    if not isinstance(instance, Backend):
        raise StitchError(
            f"kernel node {onnx_node.name!r} ({onnx_node.op_type}) has no backend",
            fix="run builtin:SpecializeBackends (stage kernel_optimization) so every kernel "
            "node becomes <Kernel>_hls or <Kernel>_rtl",
        )
    hls: HLSKernel | None = None
    if isinstance(instance, HLSNodeBackend):
        hls = instance.hls_kernel(parameter_tensors(instance, model))
        stream_inputs = instance.stream_inputs()
        inputs = tuple(
            (onnx_node.input[ind], port)
            for ind, port in zip(stream_inputs, hls.inputs, strict=True)
        )
        outputs = tuple((onnx_node.output[ind], port) for ind, port in enumerate(hls.outputs))
        cycles = hls.expected_cycles
    else:
        inputs = ((onnx_node.input[0], _contract_port(instance, "in0", 0, output=False)),)
        outputs = ((onnx_node.output[0], _contract_port(instance, "out0", 0, output=True)),)
        cycles = int(instance.get_exp_cycles())
    return PartitionNode(
        onnx_node.name,
        onnx_node.op_type,
        kernel,
        instance.language,
        instance,
        inputs,
        outputs,
        hls,
        cycles,
    )


def _check_streams(partition: DataflowPartition) -> None:
    """Every stream's producer and consumers agree on the element type and the frame size."""
    for node in partition.nodes:
        for tensor, port in node.inputs:
            found = partition.producer(tensor)
            if found is None:
                continue
            producer, index = found
            source = producer.outputs[index][1]
            same_size = math.prod(source.normal_shape) == math.prod(port.normal_shape)
            if source.element.bits != port.element.bits or not same_size:
                raise StitchError(
                    f"stream {tensor!r} from {producer.name!r} ({source.element.datatype}, "
                    f"{math.prod(source.normal_shape)} elements per frame) does not fit input "
                    f"{port.name} of {node.name!r} ({port.element.datatype}, "
                    f"{math.prod(port.normal_shape)} elements per frame)",
                    fix="run qonnx:InferDataTypes after kernel inference so each kernel's input "
                    "datatype is its producer's output datatype",
                )


def read_partition(model: Any) -> DataflowPartition | None:
    """The recorded dataflow partition of ``model`` with its streams; ``None`` when the model
    has no partition record or no kernel node in it.

    Raises :class:`StitchError` when the partition cannot be stitched: software nodes between
    kernel nodes, a kernel node without a backend, or mismatched streams; and the backends'
    own errors (naming the node) when a node's code cannot be generated.
    """
    record = mapping_summary(model).get("partition")
    if not record or not record.get("hardware_nodes"):
        return None
    if record.get("interior_software"):
        raise StitchError(
            "software nodes sit between kernel nodes of the dataflow partition: "
            + ", ".join(record["interior_software"]),
            fix="map them to kernels (see the report's mapping.software reasons), or split "
            "the accelerator by hand",
        )
    wanted = set(record["hardware_nodes"])
    onnx_nodes = [n for n in model.graph.node if n.name in wanted]
    nodes = tuple(_node(model, n) for n in onnx_nodes)
    by_tensor_in = {t: p for n in nodes for t, p in n.inputs}
    by_tensor_out = {t: p for n in nodes for t, p in n.outputs}
    inputs = tuple((t, by_tensor_in[t]) for t in record["inputs"] if t in by_tensor_in)
    outputs = tuple((t, by_tensor_out[t]) for t in record["outputs"] if t in by_tensor_out)
    partition = DataflowPartition(nodes, inputs, outputs)
    _check_streams(partition)
    return partition
