"""The backend of ``StreamingMaxPool``: ``StreamingMaxPool_hls``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainsmith import backend

from brainsmith_builtin.backends.hls.kernel import HLSKernel
from brainsmith_builtin.backends.hls.streaming_maxpool import (
    StreamingMaxPoolParams,
    generate_streaming_maxpool,
)
from brainsmith_builtin.kernels.streaming_maxpool import StreamingMaxPool

from .hls_node import HLSNodeBackend


@backend(kernel="StreamingMaxPool", language="hls")
class StreamingMaxPool_hls(HLSNodeBackend, StreamingMaxPool):
    """HLS backend of non-overlapping NHWC max pooling: one pass over the input, PE channels
    per word, a running maximum per output column. Cycles per frame: ``H*W*C/PE``."""

    def hls_kernel(self, tensors: Mapping[str, Any]) -> HLSKernel:
        h, w, kh, kw = self._dims()
        return generate_streaming_maxpool(
            StreamingMaxPoolParams(
                name=self.onnx_node.name,
                PoolDim=(kh, kw),
                NumChannels=self.get_int("NumChannels"),
                ImgDim=(h, w),
                PE=self.get_int("PE"),
                dataType=self.get_datatype("dataType").name,
            )
        )
