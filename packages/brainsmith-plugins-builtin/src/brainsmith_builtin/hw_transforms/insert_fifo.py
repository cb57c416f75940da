"""``InsertFIFO``: a ``StreamingFIFO`` node on every stream between two kernel nodes."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from brainsmith import hw_transform
from brainsmith.hardware import is_kernel_node, kernel_domain
from onnx import helper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from brainsmith_builtin.kernels.registration import install_builtin_kernels

from .dataflow_pipeline import FIFO_KERNEL, is_fifo
from .partition_dataflow import PartitionDataflow
from .specialize_backends import SpecializeBackends


@hw_transform(kernels=[FIFO_KERNEL])
class InsertFIFO(Transformation):  # type: ignore[misc]
    """Insert a ``StreamingFIFO`` between every kernel node and each kernel node reading its
    output stream (one per consumer when a stream forks), after FINN's InsertFIFO. Streams
    from or to software (the partition's input and output) get none: the stitched design's
    ports are there.

    The FIFO takes the stream's tensor shape as ``normal_shape``, ``folded_shape`` from the
    producer's word size, the tensor's datatype, and ``depth`` (option, default 2 words: the
    least that passes one word per cycle); ``SizeFIFOs`` then sets the depths. The node is
    named ``FIFO_<producer>_<consumer>_<port>`` and given a backend at once with
    ``SpecializeBackends`` (option ``preferences``); the dataflow partition record
    (``PartitionDataflow``) is refreshed to include the new nodes. Idempotent: a stream that
    already has a FIFO is left alone.

    Raises ``ValueError`` for ``depth < 1`` and when the producer's word size does not divide
    the tensor's last axis (insert width converters with ``InsertDWC`` first).
    """

    def __init__(
        self, depth: int = 2, preferences: Mapping[str, Sequence[str]] | None = None
    ) -> None:
        super().__init__()
        if not isinstance(depth, int) or depth < 1:
            raise ValueError(f"InsertFIFO: depth={depth!r} must be an integer of at least 1")
        self.depth = depth
        self.specializer = SpecializeBackends(preferences)

    def apply(self, model: Any) -> tuple[Any, bool]:
        install_builtin_kernels()
        producers = {t: n for n in model.graph.node if is_kernel_node(n) for t in n.output}
        changed = False
        for consumer in list(model.graph.node):
            if not is_kernel_node(consumer) or is_fifo(consumer):
                continue
            for port in range(getCustomOp(consumer).stream_input_count()):
                producer = producers.get(consumer.input[port])
                if producer is None or is_fifo(producer):
                    continue
                self._insert(model, producer, consumer, port)
                changed = True
        if changed:  # the partition record lists the new kernel nodes too
            PartitionDataflow().apply(model)
        return model, changed

    def _insert(self, model: Any, producer: Any, consumer: Any, port: int) -> None:
        tensor = consumer.input[port]
        datatype = model.get_tensor_datatype(tensor)
        shape = list(model.get_tensor_shape(tensor))
        width = int(getCustomOp(producer).get_outstream_width())
        per_word = width // int(datatype.bitwidth())
        if per_word < 1 or width % int(datatype.bitwidth()) or shape[-1] % per_word:
            raise ValueError(
                f"InsertFIFO: {producer.op_type} node {producer.name!r} writes {width}-bit words "
                f"of {tensor!r} ({datatype.name}, shape {shape}), which do not hold whole "
                "elements of its last axis; run InsertDWC before InsertFIFO"
            )
        buffered = model.make_new_valueinfo_name()
        model.set_tensor_shape(buffered, shape)
        model.set_tensor_datatype(buffered, datatype)
        node = helper.make_node(
            FIFO_KERNEL,
            [tensor],
            [buffered],
            name=f"FIFO_{producer.name}_{consumer.name}_{port}",
            domain=kernel_domain("builtin"),
            depth=self.depth,
            normal_shape=shape,
            folded_shape=[*shape[:-1], shape[-1] // per_word, per_word],
            dataType=datatype.name,
        )
        consumer.input[port] = buffered
        index = list(model.graph.node).index(consumer)
        model.graph.node.insert(index, node)
        self.specializer.specialize(model, model.graph.node[index])
