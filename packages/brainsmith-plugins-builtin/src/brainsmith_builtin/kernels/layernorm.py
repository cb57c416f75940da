"""``LayerNorm``: float layer normalisation over the channel (last) axis."""

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

from brainsmith_builtin.resource_models import layernorm_resources

from .characteristics import vector_pattern


@kernel
class LayerNorm(HWKernel):
    """``y = (x - mean(x)) / sqrt(var(x) + epsilon)`` over the last axis, without scale or
    bias (those stay separate elementwise ops). brainsmith's own kernel; FINN's LayerNorm has
    the same attributes.

    Input ``numInputVectors + [NumChannels]``, ``inputDataType`` (integer or FLOAT32); output
    the same shape, ``outputDataType`` (FLOAT32).

    Attributes: ``SIMD`` (divides NumChannels: elements per cycle), ``NumChannels``,
    ``epsilon`` (float > 0), ``inputDataType``, ``outputDataType``, ``numInputVectors`` (ints).

    Folded input and output ``vecs + [NumChannels/SIMD, SIMD]``.

    Cycles per frame (steady state, statistics pipelined with the output):
    ``prod(numInputVectors) * NumChannels/SIMD``.

    Golden model: float32 arithmetic, the population variance (as ONNX LayerNormalization).
    """

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            **super().get_nodeattr_types(),
            "SIMD": ("i", False, 1),
            "NumChannels": ("i", True, 0),
            "epsilon": ("f", False, 1e-5),
            "inputDataType": ("s", True, ""),
            "outputDataType": ("s", False, "FLOAT32"),
            "numInputVectors": ("ints", False, [1]),
        }

    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        return (*self.get_ints("numInputVectors"), self.get_int("NumChannels"))

    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        simd = self.get_int("SIMD")
        return (*self.get_ints("numInputVectors"), self.get_int("NumChannels") // simd, simd)

    def get_normal_output_shape(self, ind: int = 0) -> Shape:
        return self.get_normal_input_shape()

    def get_folded_output_shape(self, ind: int = 0) -> Shape:
        return self.get_folded_input_shape()

    def get_input_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("inputDataType")

    def get_output_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("outputDataType")

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """The HLS model, :func:`~brainsmith_builtin.resource_models.layernorm_resources`."""
        return layernorm_resources(channels=self.get_int("NumChannels"), simd=self.get_int("SIMD"))

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {"SIMD": FoldingParameter("SIMD", "NumChannels", self.get_int("NumChannels"))}

    def transfer_pattern(self) -> TransferPattern:
        """A whole vector is read before it is written (its mean and variance), double-buffered."""
        fold = self.folding_parameters()["SIMD"].fold(self.get_int("SIMD"))
        return vector_pattern(math.prod(self.get_ints("numInputVectors")), fold)

    def get_exp_cycles(self) -> int:
        fold = self.folding_parameters()["SIMD"].fold(self.get_int("SIMD"))
        return math.prod(self.get_ints("numInputVectors")) * fold

    def check_attributes(self) -> None:
        epsilon = float(self._required("epsilon"))
        if not epsilon > 0:
            raise self.error(f"epsilon={epsilon} must be positive")

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        x = self.check_input_shape(context).astype(np.float32)
        epsilon = np.float32(self._required("epsilon"))
        mean = x.mean(axis=-1, keepdims=True, dtype=np.float32)
        centered = x - mean
        var = (centered * centered).mean(axis=-1, keepdims=True, dtype=np.float32)
        y = centered / np.sqrt(var + epsilon)
        context[self.onnx_node.output[0]] = y.astype(np.float32)
