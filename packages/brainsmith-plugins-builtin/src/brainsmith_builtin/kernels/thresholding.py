"""``Thresholding``: a multi-threshold activation unit (after FINN's Thresholding interface)."""

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

from brainsmith_builtin.resource_models import thresholding_resources

from .characteristics import elementwise_pattern
from .datatypes import BIPOLAR_NAME, threshold_activation


@kernel
class Thresholding(HWKernel):
    """Multi-threshold activation: ``y[..., c] = ActVal + #{j : x[..., c] >= T[c, j]}``.
    After FINN's Thresholding interface.

    Inputs ``(x, T)``: ``x`` of shape ``numInputVectors + [NumChannels]`` (channels-last),
    ``inputDataType``; ``T`` of shape ``[NumChannels, numSteps]`` or ``[1, numSteps]`` (shared),
    ascending per row, ``weightDataType``. Output of ``x``'s shape, ``outputDataType``.

    Attributes: ``NumChannels``, ``PE`` (divides NumChannels: channels per cycle), ``numSteps``,
    ``inputDataType``, ``weightDataType``, ``outputDataType``, ``ActVal`` (int),
    ``numInputVectors`` (ints).

    Folded input and output ``vecs + [NumChannels/PE, PE]``; stream widths ``PE * bits``.

    Cycles per frame: ``prod(numInputVectors) * NumChannels/PE``.

    Bipolar activation: when ``outputDataType`` is ``BIPOLAR``, ``numSteps`` is 1 and
    ``y = 2 * count - 1`` (+1 where ``x >= T[c, 0]``, else -1); ``ActVal`` is ignored (0 by
    convention). The output stream carries one bit per element (+1 -> 1, -1 -> 0).
    """

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            **super().get_nodeattr_types(),
            "NumChannels": ("i", True, 0),
            "PE": ("i", False, 1),
            "numSteps": ("i", True, 1),
            "inputDataType": ("s", True, ""),
            "weightDataType": ("s", True, ""),
            "outputDataType": ("s", True, ""),
            "ActVal": ("i", False, 0),
            "numInputVectors": ("ints", False, [1]),
        }

    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        if ind == 1:
            return (self.get_int("NumChannels"), self.get_int("numSteps"))
        return (*self.get_ints("numInputVectors"), self.get_int("NumChannels"))

    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        if ind != 0:
            raise self.error(f"input {ind} is a parameter memory, not a stream")
        pe = self.get_int("PE")
        return (*self.get_ints("numInputVectors"), self.get_int("NumChannels") // pe, pe)

    def get_normal_output_shape(self, ind: int = 0) -> Shape:
        return self.get_normal_input_shape(0)

    def get_folded_output_shape(self, ind: int = 0) -> Shape:
        return self.get_folded_input_shape(0)

    def get_input_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("inputDataType" if ind == 0 else "weightDataType")

    def get_output_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("outputDataType")

    def transfer_pattern(self) -> TransferPattern:
        """One output word per input word, pipelined."""
        return elementwise_pattern(self.get_number_output_values())

    def get_exp_cycles(self) -> int:
        fold = self.folding_parameters()["PE"].fold(self.get_int("PE"))
        return math.prod(self.get_ints("numInputVectors")) * fold

    def resource_shape(self) -> dict[str, Any]:
        """The arguments of
        :func:`~brainsmith_builtin.resource_models.thresholding_resources` for this node."""
        return {
            "channels": self.get_int("NumChannels"),
            "pe": self.get_int("PE"),
            "steps": self.get_int("numSteps"),
            "in_bits": int(self.get_datatype("inputDataType").bitwidth()),
            "out_bits": int(self.get_datatype("outputDataType").bitwidth()),
        }

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """The HLS model, :func:`~brainsmith_builtin.resource_models.thresholding_resources`
        with ``rtl=False`` (``Thresholding_rtl`` uses the RTL model)."""
        return thresholding_resources(**self.resource_shape(), rtl=False)

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {"PE": FoldingParameter("PE", "NumChannels", self.get_int("NumChannels"))}

    def expected_input_counts(self) -> frozenset[int]:
        return frozenset({2})

    def check_attributes(self) -> None:
        super().check_attributes()
        if self.get_nodeattr("outputDataType") == BIPOLAR_NAME and self.get_int("numSteps") != 1:
            raise self.error(
                f"outputDataType=BIPOLAR needs numSteps=1, got {self.get_int('numSteps')}",
                fix="use one threshold per channel, or an integer outputDataType",
            )

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        node = self.onnx_node
        x = self.check_input_shape(context, 0)
        thresholds = context[node.input[1]]
        channels, steps = self.get_int("NumChannels"), self.get_int("numSteps")
        if thresholds.shape not in ((channels, steps), (1, steps)):
            raise self.error(
                f"thresholds {node.input[1]!r} have shape {thresholds.shape}, expected "
                f"({channels}, {steps}) or (1, {steps})",
                fix="set NumChannels and numSteps from the threshold tensor",
            )
        try:
            context[node.output[0]] = threshold_activation(
                x, thresholds, self.get_int("ActVal"), self.get_nodeattr("outputDataType")
            )
        except ValueError as exc:
            raise self.error(f"thresholds {node.input[1]!r}: {exc}", fix="set numSteps=1") from None
