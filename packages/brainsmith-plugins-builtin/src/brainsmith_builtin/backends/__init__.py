"""Backends: code generation and simulation of the builtin kernels, and the HLS engine API for
third-party kernels.

A plugin's HLS backend (``class MyKernel_hls(HLSNodeBackend, MyKernel)``) imports from here,
never from the private modules below:

- :class:`HLSNodeBackend`: the backend mixin. Implement ``hls_kernel(tensors) -> HLSKernel``;
  it writes the C++ (``generate_hls``), builds it with g++ (cached by digest) and streams the
  node's inputs through it when ``exec_mode`` is ``"cppsim"``.
- :class:`HLSKernel` (function name, C++ source, input and output ports, words per frame) and
  :class:`StreamPort` (an ``hls::stream<ap_uint<W>>`` of PE elements per word): what
  ``hls_kernel`` returns.
- :class:`Element`: one element's C++ type and its packing into a word (``Element.of(datatype
  name)``, ``decode``, ``encode``, ``cpp_type``).
- :func:`identifier`: a C++ identifier from a node name; :func:`word_literal` and
  :func:`int_literal`: C++ initialisers for parameter words and signed values.
- :class:`HLSParameterError`: what ``hls_kernel`` raises when the engine cannot implement a
  node (the compile then keeps it in software and says why).

Every name is imported on first use: importing this package costs nothing.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from brainsmith_builtin.backends.hls.cpp import identifier, int_literal, word_literal
    from brainsmith_builtin.backends.hls.elements import Element
    from brainsmith_builtin.backends.hls.errors import HLSParameterError
    from brainsmith_builtin.backends.hls.kernel import HLSKernel, StreamPort
    from brainsmith_builtin.backends.nodes.hls_node import HLSNodeBackend

_ENGINE_API = {
    "Element": "brainsmith_builtin.backends.hls.elements",
    "HLSKernel": "brainsmith_builtin.backends.hls.kernel",
    "HLSNodeBackend": "brainsmith_builtin.backends.nodes.hls_node",
    "HLSParameterError": "brainsmith_builtin.backends.hls.errors",
    "StreamPort": "brainsmith_builtin.backends.hls.kernel",
    "identifier": "brainsmith_builtin.backends.hls.cpp",
    "int_literal": "brainsmith_builtin.backends.hls.cpp",
    "word_literal": "brainsmith_builtin.backends.hls.cpp",
}

__all__ = [
    "Element",
    "HLSKernel",
    "HLSNodeBackend",
    "HLSParameterError",
    "StreamPort",
    "identifier",
    "int_literal",
    "word_literal",
]


def __getattr__(name: str) -> Any:
    """Import an engine-API name from its module on first use."""
    module = _ENGINE_API.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
