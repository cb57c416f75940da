"""HLS backends of the builtin kernels: C++ generation and cppsim (g++ C simulation).

A generator turns a kernel's parameters (a frozen dataclass mirroring the kernel contract's node
attributes, plus its weights or thresholds) into an :class:`HLSKernel`: a C++ function over
``hls::stream<ap_uint<W>>`` folded by PE/SIMD, with Vitis HLS pragmas. :func:`build_cppsim`
compiles it with g++ (cached by digest; :func:`build_cppsim_all` builds several in parallel) and
:func:`run_cppsim` streams numpy inputs through it.
"""

from brainsmith_builtin.backends.hls.add_streams import AddStreamsParams, generate_add_streams
from brainsmith_builtin.backends.hls.build import (
    CppsimBuild,
    build_cppsim,
    build_cppsim_all,
    default_cache_dir,
)
from brainsmith_builtin.backends.hls.convolution_input_generator import (
    ConvolutionInputGeneratorParams,
    generate_convolution_input_generator,
)
from brainsmith_builtin.backends.hls.cppsim import cppsim, run_cppsim
from brainsmith_builtin.backends.hls.elements import Element
from brainsmith_builtin.backends.hls.errors import (
    CppsimBuildError,
    CppsimRunError,
    HeadersNotFoundError,
    HLSParameterError,
)
from brainsmith_builtin.backends.hls.headers import ap_types_dir, shim_include_dir
from brainsmith_builtin.backends.hls.kernel import HLSKernel, StreamPort
from brainsmith_builtin.backends.hls.layernorm import LayerNormParams, generate_layernorm
from brainsmith_builtin.backends.hls.mvau import MVAUParams, generate_mvau
from brainsmith_builtin.backends.hls.packing import pack_words, unpack_words
from brainsmith_builtin.backends.hls.streaming_maxpool import (
    StreamingMaxPoolParams,
    generate_streaming_maxpool,
)
from brainsmith_builtin.backends.hls.thresholding import ThresholdingParams, generate_thresholding

__all__ = [
    "AddStreamsParams",
    "ConvolutionInputGeneratorParams",
    "CppsimBuild",
    "CppsimBuildError",
    "CppsimRunError",
    "Element",
    "HLSKernel",
    "HLSParameterError",
    "HeadersNotFoundError",
    "LayerNormParams",
    "MVAUParams",
    "StreamPort",
    "StreamingMaxPoolParams",
    "ThresholdingParams",
    "ap_types_dir",
    "build_cppsim",
    "build_cppsim_all",
    "cppsim",
    "default_cache_dir",
    "generate_add_streams",
    "generate_convolution_input_generator",
    "generate_layernorm",
    "generate_mvau",
    "generate_streaming_maxpool",
    "generate_thresholding",
    "pack_words",
    "run_cppsim",
    "shim_include_dir",
    "unpack_words",
]
