"""The backend of ``LayerNorm``: ``LayerNorm_hls``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainsmith import backend

from brainsmith_builtin.backends.hls.kernel import HLSKernel
from brainsmith_builtin.backends.hls.layernorm import LayerNormParams, generate_layernorm
from brainsmith_builtin.kernels.layernorm import LayerNorm

from .hls_node import HLSNodeBackend


@backend(kernel="LayerNorm", language="hls")
class LayerNorm_hls(HLSNodeBackend, LayerNorm):
    """HLS backend of float layer normalisation over the channel axis, SIMD channels per word
    (float32; sums in a different order than numpy's, so equal within float32 rounding).
    Cycles per frame (the generated C++, three passes): ``prod(numInputVectors) * 3 *
    NumChannels/SIMD``."""

    def hls_kernel(self, tensors: Mapping[str, Any]) -> HLSKernel:
        return generate_layernorm(
            LayerNormParams(
                name=self.onnx_node.name,
                SIMD=self.get_int("SIMD"),
                NumChannels=self.get_int("NumChannels"),
                epsilon=float(self._required("epsilon")),
                inputDataType=self.get_datatype("inputDataType").name,
                outputDataType=self.get_datatype("outputDataType").name,
                numInputVectors=tuple(self.get_ints("numInputVectors")),
            )
        )
