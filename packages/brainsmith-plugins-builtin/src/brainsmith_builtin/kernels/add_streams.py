"""``AddStreams``: elementwise sum of two streams (residual add)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
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
from qonnx.core.datatype import DataType

from brainsmith_builtin.resource_models import add_streams_resources

from .characteristics import elementwise_pattern


@kernel
class AddStreams(HWKernel):
    """Elementwise ``y = a + b`` of two streams of the same shape. After FINN's AddStreams
    interface.

    Inputs ``a``, ``b``: ``numInputVectors + [NumChannels]``, datatypes ``inputDataTypes``
    [a, b]. Output the same shape, ``outputDataType`` (wide enough for every sum).

    Attributes: ``NumChannels``, ``PE`` (divides NumChannels: elements per cycle per input),
    ``inputDataTypes`` (two names), ``outputDataType``, ``numInputVectors`` (ints).

    Folded inputs and output ``vecs + [NumChannels/PE, PE]``.

    Cycles per frame: ``prod(numInputVectors) * NumChannels/PE``.
    """

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            **super().get_nodeattr_types(),
            "NumChannels": ("i", True, 0),
            "PE": ("i", False, 1),
            "inputDataTypes": ("strings", True, [""]),
            "outputDataType": ("s", True, ""),
            "numInputVectors": ("ints", False, [1]),
        }

    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        return (*self.get_ints("numInputVectors"), self.get_int("NumChannels"))

    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        pe = self.get_int("PE")
        return (*self.get_ints("numInputVectors"), self.get_int("NumChannels") // pe, pe)

    def get_normal_output_shape(self, ind: int = 0) -> Shape:
        return self.get_normal_input_shape()

    def get_folded_output_shape(self, ind: int = 0) -> Shape:
        return self.get_folded_input_shape()

    def get_input_datatype(self, ind: int = 0) -> Any:
        names = self._required("inputDataTypes")
        if len(names) != 2 or ind not in (0, 1):
            raise self.error(f"inputDataTypes={names} must name two datatypes [a, b]")
        try:
            return DataType[names[ind]]
        except KeyError:
            raise self.error(f"inputDataTypes[{ind}]={names[ind]!r} is not a datatype") from None

    def get_output_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("outputDataType")

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """The HLS model, :func:`~brainsmith_builtin.resource_models.add_streams_resources`."""
        return add_streams_resources(
            pe=self.get_int("PE"),
            a_bits=int(self.get_input_datatype(0).bitwidth()),
            b_bits=int(self.get_input_datatype(1).bitwidth()),
            out_bits=int(self.get_output_datatype().bitwidth()),
        )

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {"PE": FoldingParameter("PE", "NumChannels", self.get_int("NumChannels"))}

    def stream_input_count(self) -> int:
        """Both inputs are streams."""
        return 2

    def transfer_pattern(self) -> TransferPattern:
        """One output word per pair of input words, pipelined."""
        return elementwise_pattern(self.get_number_output_values(), ports=2)

    def get_exp_cycles(self) -> int:
        fold = self.folding_parameters()["PE"].fold(self.get_int("PE"))
        return math.prod(self.get_ints("numInputVectors")) * fold

    def expected_input_counts(self) -> frozenset[int]:
        return frozenset({2})

    def check_attributes(self) -> None:
        a, b, out = (
            self.get_input_datatype(0),
            self.get_input_datatype(1),
            self.get_output_datatype(),
        )
        lo, hi = a.min() + b.min(), a.max() + b.max()
        if not (out.allowed(lo) and out.allowed(hi)):
            raise self.error(
                f"outputDataType={out.name} cannot hold sums in [{lo}, {hi}]",
                fix="widen outputDataType",
            )

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        a = self.check_input_shape(context, 0)
        b = self.check_input_shape(context, 1)
        total = a.astype(np.float64) + b.astype(np.float64)
        context[self.onnx_node.output[0]] = total.astype(np.float32)
