"""The generated kernel: its C++ source and the streams it reads and writes.

Every generator (``mvau``, ``thresholding``, ...) returns an :class:`HLSKernel`; the testbench
generator, the cppsim build and the runner work from it alone, whatever the kernel.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from brainsmith_builtin.backends.hls.elements import Element
from brainsmith_builtin.backends.hls.packing import word_bits


@dataclass(frozen=True)
class StreamPort:
    """One AXI-Stream port of a kernel.

    ``normal_shape`` is the tensor of one frame (channels last); the stream carries it in C order,
    ``elems_per_word`` elements per word, so its folded shape is
    ``normal_shape[:-1] + (C / elems_per_word, elems_per_word)``.
    """

    name: str
    element: Element
    elems_per_word: int
    normal_shape: tuple[int, ...]

    @property
    def width(self) -> int:
        """Word width in bits: ``elems_per_word * element.bits``."""
        return word_bits(self.element, self.elems_per_word)

    @property
    def folded_shape(self) -> tuple[int, ...]:
        """``normal_shape[:-1] + (normal_shape[-1] / elems_per_word, elems_per_word)``."""
        *outer, channels = self.normal_shape
        return (*outer, channels // self.elems_per_word, self.elems_per_word)

    @property
    def words_per_frame(self) -> int:
        """Stream words per frame: ``prod(normal_shape) / elems_per_word``."""
        return math.prod(self.normal_shape) // self.elems_per_word

    @property
    def cpp_type(self) -> str:
        """The C++ type of the port: ``hls::stream<ap_uint<width>>``."""
        return f"hls::stream<ap_uint<{self.width}> >"


@dataclass(frozen=True)
class HLSKernel:
    """A kernel's generated C++: ``void <function>(<inputs>..., <outputs>...)`` over streams.

    ``source`` is a self-contained translation unit (includes, constant arrays, the function)
    that Vitis HLS can synthesise and g++ can compile with our stream shim. ``expected_cycles``
    is the kernel's cycle count per frame at II=1 (the kernel contract's formula).
    """

    function: str
    source: str
    inputs: tuple[StreamPort, ...]
    outputs: tuple[StreamPort, ...]
    expected_cycles: int
