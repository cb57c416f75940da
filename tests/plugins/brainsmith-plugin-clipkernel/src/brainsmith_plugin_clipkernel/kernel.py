"""``ClipStream``: every element of an integer stream clipped to ``[low, high]``."""

from __future__ import annotations

from typing import Any

import numpy as np
from brainsmith.hardware import FoldingParameter, HWKernel
from qonnx.core.datatype import DataType


class ClipStream(HWKernel):
    """Attributes: ``NumChannels``, ``PE`` (divides NumChannels), ``low``, ``high``,
    ``dataType``, ``numInputVectors``. Shape ``numInputVectors + [NumChannels]`` in and out.
    Cycles per frame: ``prod(numInputVectors) * NumChannels / PE``."""

    def get_nodeattr_types(self) -> dict[str, Any]:
        return {
            **super().get_nodeattr_types(),
            "NumChannels": ("i", True, 0),
            "PE": ("i", False, 1),
            "low": ("i", True, 0),
            "high": ("i", True, 0),
            "dataType": ("s", True, ""),
            "numInputVectors": ("ints", False, [1]),
        }

    def get_normal_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        return (*self.get_nodeattr("numInputVectors"), self.get_nodeattr("NumChannels"))

    def get_folded_input_shape(self, ind: int = 0) -> tuple[int, ...]:
        pe = self.get_nodeattr("PE")
        channels = self.get_nodeattr("NumChannels")
        return (*self.get_nodeattr("numInputVectors"), channels // pe, pe)

    def get_normal_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return self.get_normal_input_shape()

    def get_folded_output_shape(self, ind: int = 0) -> tuple[int, ...]:
        return self.get_folded_input_shape()

    def get_input_datatype(self, ind: int = 0) -> Any:
        return DataType[self.get_nodeattr("dataType")]

    def get_output_datatype(self, ind: int = 0) -> Any:
        return DataType[self.get_nodeattr("dataType")]

    def get_exp_cycles(self) -> int:
        folded = self.get_folded_output_shape()
        return int(np.prod(folded[:-1]))

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {"PE": FoldingParameter("PE", "NumChannels", self.get_nodeattr("NumChannels"))}

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        x = context[self.onnx_node.input[0]]
        low, high = self.get_nodeattr("low"), self.get_nodeattr("high")
        context[self.onnx_node.output[0]] = np.clip(x, low, high).astype(np.float32)
