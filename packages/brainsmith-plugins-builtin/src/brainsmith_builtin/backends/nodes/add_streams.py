"""The backend of ``AddStreams``: ``AddStreams_hls``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainsmith import backend

from brainsmith_builtin.backends.hls.add_streams import AddStreamsParams, generate_add_streams
from brainsmith_builtin.backends.hls.kernel import HLSKernel
from brainsmith_builtin.kernels.add_streams import AddStreams

from .hls_node import HLSNodeBackend


@backend(kernel="AddStreams", language="hls")
class AddStreams_hls(HLSNodeBackend, AddStreams):
    """HLS backend of the element-wise sum of two streams, PE channels per word.
    Cycles per frame: ``prod(numInputVectors) * NumChannels/PE``."""

    def stream_inputs(self) -> tuple[int, ...]:
        return (0, 1)

    def hls_kernel(self, tensors: Mapping[str, Any]) -> HLSKernel:
        return generate_add_streams(
            AddStreamsParams(
                name=self.onnx_node.name,
                NumChannels=self.get_int("NumChannels"),
                PE=self.get_int("PE"),
                inputDataTypes=(
                    self.get_input_datatype(0).name,
                    self.get_input_datatype(1).name,
                ),
                outputDataType=self.get_datatype("outputDataType").name,
                numInputVectors=tuple(self.get_ints("numInputVectors")),
            )
        )
