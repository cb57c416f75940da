"""``InsertDWC``: a width converter wherever a kernel's output stream is narrower or wider than
the input stream of the kernel reading it."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

from brainsmith import hw_transform
from brainsmith.hardware import is_kernel_node, kernel_domain
from onnx import helper
from qonnx.custom_op.registry import getCustomOp
from qonnx.transformation.base import Transformation

from brainsmith_builtin.kernels.registration import install_builtin_kernels

from .partition_dataflow import PartitionDataflow
from .specialize_backends import SpecializeBackends

DWC_KERNEL = "StreamingDataWidthConverter"


@hw_transform(kernels=[DWC_KERNEL])
class InsertDWC(Transformation):  # type: ignore[misc]
    """Insert a ``StreamingDataWidthConverter`` on every stream from a kernel node ``P`` into
    input ``p`` of a kernel node ``C`` where ``P.get_outstream_width() !=
    C.get_instream_width(p)`` (bits), e.g. an MVAU with PE=2 feeding one with SIMD=4. After FINN's
    InsertDWC.

    The converter's ``shape`` is the stream's tensor shape when both word sizes (in elements)
    divide its last axis, else the consumer's normal input shape (an MVAU reading a
    channels-last image as one flat vector), else the flat ``[1, elements]``. The new node is
    named ``DWC_<consumer>_<port>`` and given a backend at once with ``SpecializeBackends``
    (option ``preferences``, as there), because backend specialisation ran in the stage before.

    Raises ``ValueError`` naming both nodes when no shape holds whole words of both widths.
    The dataflow partition record (``PartitionDataflow``) is refreshed to include the new
    nodes. Idempotent: after it, adjacent widths match.
    """

    def __init__(self, preferences: Mapping[str, Sequence[str]] | None = None) -> None:
        super().__init__()
        self.specializer = SpecializeBackends(preferences)

    def apply(self, model: Any) -> tuple[Any, bool]:
        install_builtin_kernels()
        producers = {t: n for n in model.graph.node if is_kernel_node(n) for t in n.output}
        changed = False
        for consumer in list(model.graph.node):
            if not is_kernel_node(consumer):
                continue
            reader = getCustomOp(consumer)
            for port in range(reader.stream_input_count()):
                tensor = consumer.input[port]
                producer = producers.get(tensor)
                if producer is None:
                    continue
                writer = getCustomOp(producer)
                in_width = int(writer.get_outstream_width())
                out_width = int(reader.get_instream_width(port))
                if in_width != out_width:
                    self._insert(model, (producer, consumer), port, (in_width, out_width))
                    changed = True
        if changed:  # the partition record lists the new kernel nodes too
            PartitionDataflow().apply(model)
        return model, changed

    def _insert(
        self, model: Any, nodes: tuple[Any, Any], port: int, widths: tuple[int, int]
    ) -> None:
        (producer, consumer), (in_width, out_width) = nodes, widths
        tensor = consumer.input[port]
        datatype = model.get_tensor_datatype(tensor)
        bits = int(datatype.bitwidth())
        candidates = [
            list(model.get_tensor_shape(tensor)),
            list(getCustomOp(consumer).get_normal_input_shape(port)),
        ]
        candidates.append([1, math.prod(candidates[0])])
        shape = next(
            (s for s in candidates if all((s[-1] * bits) % w == 0 for w in (in_width, out_width))),
            None,
        )
        if shape is None or in_width % bits or out_width % bits:
            raise ValueError(
                f"InsertDWC: {producer.op_type} node {producer.name!r} writes {in_width}-bit "
                f"words but {consumer.op_type} node {consumer.name!r} reads {out_width}-bit "
                f"words of {tensor!r} ({datatype.name}, shape {candidates[0]}), and no "
                "arrangement of the tensor holds whole words of both; choose PE/SIMD of the "
                "two nodes so that both word sizes divide the channels"
            )
        name = f"DWC_{consumer.name}_{port}"
        converted = model.make_new_valueinfo_name()
        model.set_tensor_shape(converted, shape)
        model.set_tensor_datatype(converted, datatype)
        node = helper.make_node(
            DWC_KERNEL,
            [tensor],
            [converted],
            name=name,
            domain=kernel_domain("builtin"),
            inWidth=in_width,
            outWidth=out_width,
            shape=shape,
            dataType=datatype.name,
        )
        consumer.input[port] = converted
        index = list(model.graph.node).index(consumer)
        model.graph.node.insert(index, node)
        self.specializer.specialize(model, model.graph.node[index])
