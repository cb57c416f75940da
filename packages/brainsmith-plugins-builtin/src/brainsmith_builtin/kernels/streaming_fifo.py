"""``StreamingFIFO``: a first-in first-out buffer on a stream (infrastructure)."""

from __future__ import annotations

import math
from typing import Any

from brainsmith import kernel
from brainsmith.hardware import (
    Device,
    FoldingParameter,
    HWKernel,
    NodeAttrTypes,
    Resources,
    Shape,
    TransferPattern,
)

from brainsmith_builtin.resource_models import fifo_resources

from .characteristics import elementwise_pattern


@kernel(infrastructure=True)
class StreamingFIFO(HWKernel):
    """A FIFO of ``depth`` stream words between two kernels; numerically the identity. After
    FINN's StreamingFIFO interface.

    Input and output ``normal_shape`` (streamed as ``folded_shape``), ``dataType``. Stream width
    ``folded_shape[-1] * bits(dataType)``; storage ``depth`` words of that width.

    Attributes: ``depth`` (int >= 1, words), ``folded_shape``, ``normal_shape`` (ints),
    ``dataType``. No folding parameters (it inherits the producer's folding).

    Cycles per frame: one word per cycle, ``prod(folded_shape[:-1])``.
    """

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            **super().get_nodeattr_types(),
            "depth": ("i", True, 2),
            "folded_shape": ("ints", True, []),
            "normal_shape": ("ints", True, []),
            "dataType": ("s", True, ""),
        }

    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        return tuple(self.get_ints("normal_shape"))

    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        return tuple(self.get_ints("folded_shape"))

    get_normal_output_shape = get_normal_input_shape
    get_folded_output_shape = get_folded_input_shape

    def get_input_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("dataType")

    get_output_datatype = get_input_datatype

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """:func:`~brainsmith_builtin.resource_models.fifo_resources` of ``depth`` words of the
        folded stream width."""
        return fifo_resources(self.get_int("depth"), self.get_instream_width())

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {}

    def transfer_pattern(self) -> TransferPattern:
        """As a node (the FIFO sizing treats FIFOs as edges instead): word in, word out."""
        return elementwise_pattern(self.get_number_output_values())

    def get_exp_cycles(self) -> int:
        return math.prod(self.get_folded_output_shape()[:-1])

    def check_attributes(self) -> None:
        if self.get_int("depth") < 1:
            raise self.error(f"depth={self.get_int('depth')} must be at least 1")
        normal, folded = self.get_normal_input_shape(), self.get_folded_input_shape()
        if math.prod(normal) != math.prod(folded):
            raise self.error(
                f"folded_shape={list(folded)} does not hold the {math.prod(normal)} elements "
                f"of normal_shape={list(normal)}"
            )

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        context[self.onnx_node.output[0]] = self.check_input_shape(context).copy()
