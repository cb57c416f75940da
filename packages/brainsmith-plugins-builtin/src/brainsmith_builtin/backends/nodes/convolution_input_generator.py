"""The backend of ``ConvolutionInputGenerator``: ``ConvolutionInputGenerator_hls``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainsmith import backend

from brainsmith_builtin.backends.hls.convolution_input_generator import (
    ConvolutionInputGeneratorParams,
    generate_convolution_input_generator,
)
from brainsmith_builtin.backends.hls.kernel import HLSKernel
from brainsmith_builtin.kernels.convolution_input_generator import ConvolutionInputGenerator

from .hls_node import HLSNodeBackend


@backend(kernel="ConvolutionInputGenerator", language="hls")
class ConvolutionInputGenerator_hls(HLSNodeBackend, ConvolutionInputGenerator):
    """HLS backend of the sliding-window generator: a circular buffer of input rows, SIMD
    channels per word. Cycles per frame (the generated C++, reading and writing in turn):
    ``H*W*C/SIMD + OH*OW*KH*KW*C/SIMD``."""

    def hls_kernel(self, tensors: Mapping[str, Any]) -> HLSKernel:
        return generate_convolution_input_generator(
            ConvolutionInputGeneratorParams(
                name=self.onnx_node.name,
                ConvKernelDim=self._pair("ConvKernelDim"),
                IFMChannels=self.get_int("IFMChannels"),
                IFMDim=self._pair("IFMDim"),
                OFMDim=self._pair("OFMDim"),
                SIMD=self.get_int("SIMD"),
                Stride=self._pair("Stride"),
                Dilation=self._pair("Dilation"),
                inputDataType=self.get_datatype("inputDataType").name,
                outputDataType=self.get_datatype("outputDataType").name,
                depthwise=self.get_int("depthwise"),
            )
        )
