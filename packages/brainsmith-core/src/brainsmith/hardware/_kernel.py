"""``HWKernel``: the base class every hardware kernel (a qonnx ``CustomOp``) derives from.

After FINN's ``HWCustomOp`` interface: a kernel node knows its normal and folded stream shapes,
its stream widths in bits, its datatypes, its folding parameters and their legal values, the
cycles it needs per frame, and computes its output in numpy (the golden model every backend is
checked against).

Conventions: tensors are float32 numpy arrays holding integer values (qonnx), channels-last;
a *folded* shape splits the innermost dimension into ``(fold, parallelism)`` so that one
innermost vector moves per clock cycle; stream widths are in bits.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from qonnx.core.datatype import DataType
from qonnx.custom_op.base import CustomOp

from ._errors import KernelNodeError
from ._folding import FoldingParameter
from ._resources import Resources

if TYPE_CHECKING:
    from ._devices import Device
from ._transfers import TransferPattern, proportional_pattern

EXEC_MODES = frozenset({"python", "cppsim", "rtlsim"})
"""``exec_mode`` values: the numpy golden model, C++ simulation of the HLS backend, RTL
simulation of the generated Verilog."""

NodeAttrTypes = dict[str, tuple[Any, ...]]
"""qonnx's attribute table: ``name -> (dtype, required, default[, allowed values])``."""

Shape = tuple[int, ...]


class HWKernel(CustomOp):  # type: ignore[misc]
    """Base of every hardware kernel node.

    Node attributes common to all kernels:

    - ``exec_mode`` (str, ``"python"`` | ``"cppsim"`` | ``"rtlsim"``, default ``"python"``): how
      ``execute_node`` computes the output. Only backend-specialised nodes (``<Kernel>_hls``,
      ``<Kernel>_rtl``) support the simulation modes.
    - ``backend`` (str, default ``"fpgadataflow"``): marks a dataflow hardware node, as in FINN.

    Subclasses extend :meth:`get_nodeattr_types` (``{**super().get_nodeattr_types(), ...}``) and
    fill in the abstract methods. Stream widths, padded widths, the shape-inference op, output
    datatype annotation and folding checks have generic implementations here.
    """

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            "exec_mode": ("s", False, "python", set(EXEC_MODES)),
            "backend": ("s", False, "fpgadataflow"),
        }

    # --- naming -------------------------------------------------------------------------------

    @property
    def node_label(self) -> str:
        """``"<op_type> node '<name>'"``, for messages."""
        return f"{self.onnx_node.op_type} node {self.onnx_node.name!r}"

    def error(self, message: str, fix: str = "") -> KernelNodeError:
        """A :class:`KernelNodeError` located at this node."""
        return KernelNodeError(message, where=self.node_label, fix=fix)

    # --- attribute helpers ----------------------------------------------------------------------

    def get_int(self, name: str) -> int:
        """Integer attribute ``name``; raises :class:`KernelNodeError` if missing."""
        return int(self._required(name))

    def get_ints(self, name: str) -> list[int]:
        """List-of-integers attribute ``name``; raises :class:`KernelNodeError` if missing."""
        return [int(v) for v in self._required(name)]

    def get_datatype(self, name: str) -> Any:
        """The qonnx ``DataType`` named by string attribute ``name``; raises
        :class:`KernelNodeError` if it is missing or not a qonnx datatype name."""
        value = self._required(name)
        try:
            return DataType[value]
        except KeyError:
            raise self.error(
                f"attribute {name}={value!r} is not a qonnx datatype",
                fix=f"set {name} to a name such as 'INT4', 'UINT8', 'BIPOLAR' or 'FLOAT32'",
            ) from None

    def _required(self, name: str) -> Any:
        try:
            value = self.get_nodeattr(name)
        except Exception as exc:  # qonnx raises a bare Exception for a missing required attr
            raise self.error(f"attribute {name} is missing or invalid ({exc})") from None
        return value

    # --- interface every kernel fills -----------------------------------------------------------

    @abstractmethod
    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        """Shape of input ``ind`` as the graph sees it (channels-last)."""

    @abstractmethod
    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        """Shape of input ``ind`` as streamed: the innermost dimension split into
        ``(fold, parallelism)``; one innermost vector per cycle."""

    @abstractmethod
    def get_normal_output_shape(self, ind: int = 0) -> Shape:
        """Shape of output ``ind`` as the graph sees it."""

    @abstractmethod
    def get_folded_output_shape(self, ind: int = 0) -> Shape:
        """Shape of output ``ind`` as streamed."""

    @abstractmethod
    def get_input_datatype(self, ind: int = 0) -> Any:
        """qonnx ``DataType`` of input ``ind``."""

    @abstractmethod
    def get_output_datatype(self, ind: int = 0) -> Any:
        """qonnx ``DataType`` of output ``ind``."""

    @abstractmethod
    def get_exp_cycles(self) -> int:
        """Expected clock cycles to process one frame at the node's folding."""

    @abstractmethod
    def folding_parameters(self) -> dict[str, FoldingParameter]:
        """The node's parallelism attributes by name, with their legal values; empty for a
        kernel that cannot be folded."""

    @abstractmethod
    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        """The numpy golden model: read the inputs from ``context`` by tensor name, write the
        outputs (float32 arrays of integer values for integer datatypes)."""
        raise self.error(f"{type(self).__name__} does not implement its golden model")

    # --- generic behaviour ------------------------------------------------------------------------

    def get_instream_width(self, ind: int = 0) -> int:
        """Bits per cycle on input stream ``ind``: innermost folded size times datatype bits."""
        return self.get_folded_input_shape(ind)[-1] * int(self.get_input_datatype(ind).bitwidth())

    def get_outstream_width(self, ind: int = 0) -> int:
        """Bits per cycle on output stream ``ind``."""
        return self.get_folded_output_shape(ind)[-1] * int(self.get_output_datatype(ind).bitwidth())

    def get_instream_width_padded(self, ind: int = 0) -> int:
        """:meth:`get_instream_width` rounded up to a multiple of 8 (AXI-Stream bytes)."""
        return _round_up_to_byte(self.get_instream_width(ind))

    def get_outstream_width_padded(self, ind: int = 0) -> int:
        """:meth:`get_outstream_width` rounded up to a multiple of 8 (AXI-Stream bytes)."""
        return _round_up_to_byte(self.get_outstream_width(ind))

    def get_number_output_values(self) -> int:
        """Stream beats per frame on output 0: the folded output shape without its last axis."""
        return math.prod(self.get_folded_output_shape()[:-1])

    def stream_input_count(self) -> int:
        """How many of the node's inputs are streams (the rest are parameter memories such as
        weights and thresholds); default one."""
        return 1

    def transfer_pattern(self) -> TransferPattern:
        """When, within one frame, the node reads each stream input word and writes each
        output word: its characteristic for the pipeline simulator that sizes FIFOs
        (:func:`brainsmith.hardware.simulate_pipeline`). The default reads at one word per
        cycle and spreads the output words over :meth:`get_exp_cycles`, each needing its
        proportional share of the input; kernels override it with their real loop structure.
        """
        reads = [
            math.prod(self.get_folded_input_shape(p)[:-1]) for p in range(self.stream_input_count())
        ]
        return proportional_pattern(reads, self.get_number_output_values(), self.get_exp_cycles())

    def check_folding(self) -> None:
        """Raise :class:`KernelNodeError` naming the node, the parameter, its value and the
        legal values if any folding parameter does not divide its dimension."""
        for name, parameter in self.folding_parameters().items():
            value = self.get_int(name)
            if not parameter.is_legal(value):
                raise self.error(
                    f"{name}={value} does not divide {parameter.dimension}={parameter.extent}",
                    fix=f"set {name} to one of {list(parameter.legal_values)}",
                )

    def estimate_resources(self, device: Device | None = None) -> Resources | None:
        """Estimated LUT, FF, BRAM_18K, URAM and DSP of this node at its folding on ``device``
        (``None``: a generic 7-series/UltraScale fabric), from analytic formulas the kernel or
        backend documents with their sources; ``None`` (the default) when the kernel has no
        resource model, which :func:`~brainsmith.hardware.estimate` reports."""
        return None

    def check_attributes(self) -> None:
        """Kernel-specific attribute checks; raise :class:`KernelNodeError`. The base checks
        nothing; subclasses override and call ``super()``."""

    def verify_node(self) -> None:
        """Check the node: its input count, its attributes (:meth:`check_attributes`), its
        folding (:meth:`check_folding`) and that its ``exec_mode`` is supported. Raises
        :class:`KernelNodeError` for the first problem found."""
        expected = self.expected_input_counts()
        if len(self.onnx_node.input) not in expected:
            raise self.error(
                f"has {len(self.onnx_node.input)} inputs, expected "
                + " or ".join(str(n) for n in sorted(expected))
            )
        self.check_attributes()
        self.check_folding()
        mode = self.get_nodeattr("exec_mode")
        if mode not in self.supported_exec_modes():
            raise self.error(
                f"exec_mode={mode!r} is not supported by this node "
                f"(supported: {sorted(self.supported_exec_modes())})",
                fix="specialise the node to a backend (<Kernel>_hls or <Kernel>_rtl) first, "
                "or set exec_mode='python'",
            )

    def expected_input_counts(self) -> frozenset[int]:
        """How many inputs a node of this kernel may have; default exactly one."""
        return frozenset({1})

    def supported_exec_modes(self) -> frozenset[str]:
        """The ``exec_mode`` values this class can execute: the abstract kernel only the
        golden model; backends add their simulation modes."""
        return frozenset({"python"})

    def make_shape_compatible_op(self, model: Any) -> Any:
        """A constant-shaped stand-in for ONNX shape inference (output 0's normal shape)."""
        return self.make_const_shape_op(list(self.get_normal_output_shape()))

    def infer_node_datatype(self, model: Any) -> None:
        """Annotate every output tensor with :meth:`get_output_datatype`."""
        for ind, name in enumerate(self.onnx_node.output):
            model.set_tensor_datatype(name, self.get_output_datatype(ind))

    def check_input_shape(self, context: Mapping[str, Any], ind: int = 0) -> Any:
        """``context[input ind]``, after checking it has the normal input shape; raises
        :class:`KernelNodeError` otherwise."""
        value = context[self.onnx_node.input[ind]]
        expected = self.get_normal_input_shape(ind)
        if tuple(value.shape) != expected:
            raise self.error(
                f"input {ind} ({self.onnx_node.input[ind]!r}) has shape {tuple(value.shape)}, "
                f"expected {expected}",
                fix="check the node's shape attributes against the graph",
            )
        return value

    def normal_input(self, context: Mapping[str, Any], ind: int = 0) -> Any:
        """Input ``ind`` from ``context`` in the normal input shape: what backends stream in.

        The default is :meth:`check_input_shape`; a kernel that accepts another layout of the
        same stream (an MVAU reading an un-flattened NHWC tensor) overrides it to reshape.
        """
        return self.check_input_shape(context, ind)


def _round_up_to_byte(bits: int) -> int:
    return -(-bits // 8) * 8
