"""The backend of ``StreamingFIFO``: ``StreamingFIFO_rtl``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainsmith import backend

from brainsmith_builtin.backends.rtl.fifo import StreamingFifoRtl
from brainsmith_builtin.kernels.streaming_fifo import StreamingFIFO

from .rtl_node import RTLNodeBackend


@backend(kernel="StreamingFIFO", language="rtl")
class StreamingFIFO_rtl(RTLNodeBackend, StreamingFIFO):
    """RTL backend of the stream FIFO: ``depth`` words of ``folded_shape[-1] * bits(dataType)``
    bits with AXI-Stream handshakes. Cycles per frame: ``prod(folded_shape[:-1])``."""

    def rtl_engine(self, tensors: Mapping[str, Any]) -> StreamingFifoRtl:
        return StreamingFifoRtl(
            depth=self.get_int("depth"),
            folded_shape=tuple(self.get_ints("folded_shape")),
            normal_shape=tuple(self.get_ints("normal_shape")),
            datatype=self.get_datatype("dataType").name,
            name=self.onnx_node.name,
        )
