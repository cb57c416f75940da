"""``StreamingDataWidthConverter``: re-packs a stream to another width (infrastructure)."""

from __future__ import annotations

import math
from collections.abc import Mapping
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

from brainsmith_builtin.resource_models import dwc_resources

from .characteristics import width_converter_pattern


@kernel(infrastructure=True)
class StreamingDataWidthConverter(HWKernel):
    """Converts a stream of ``inWidth``-bit words into ``outWidth``-bit words, so a producer
    and a consumer of different foldings connect; numerically the identity. After FINN's
    StreamingDataWidthConverter interface.

    Output ``shape`` (``[..., C]``), ``dataType`` of ``b`` bits; the input is any tensor of the
    same element count (see :meth:`normal_input`). Both widths must be
    multiples of ``b`` and divide the row width ``C * b`` (no LCM buffering): folded input
    ``shape[:-1] + [C*b/inWidth, inWidth/b]``, folded output likewise with ``outWidth``.

    Attributes: ``inWidth``, ``outWidth`` (bits), ``shape`` (ints), ``dataType``. No folding
    parameters.

    Cycles per frame: the longer side, ``prod(shape[:-1]) * C*b / min(inWidth, outWidth)``.
    """

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            **super().get_nodeattr_types(),
            "inWidth": ("i", True, 0),
            "outWidth": ("i", True, 0),
            "shape": ("ints", True, []),
            "dataType": ("s", True, ""),
        }

    def _folded(self, width: int) -> Shape:
        shape = self.get_ints("shape")
        bits = int(self.get_datatype("dataType").bitwidth())
        per_word = width // bits
        return (*shape[:-1], shape[-1] // per_word, per_word)

    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        return tuple(self.get_ints("shape"))

    get_normal_output_shape = get_normal_input_shape

    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        return self._folded(self.get_int("inWidth"))

    def get_folded_output_shape(self, ind: int = 0) -> Shape:
        return self._folded(self.get_int("outWidth"))

    def get_input_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("dataType")

    get_output_datatype = get_input_datatype

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """:func:`~brainsmith_builtin.resource_models.dwc_resources` of ``inWidth`` to
        ``outWidth``."""
        return dwc_resources(self.get_int("inWidth"), self.get_int("outWidth"))

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {}

    def transfer_pattern(self) -> TransferPattern:
        """Each output word needs the input words holding its bits."""
        bits = math.prod(self.get_ints("shape")) * int(self.get_datatype("dataType").bitwidth())
        return width_converter_pattern(bits, self.get_int("inWidth"), self.get_int("outWidth"))

    def get_exp_cycles(self) -> int:
        narrow = self._folded(min(self.get_int("inWidth"), self.get_int("outWidth")))
        return math.prod(narrow[:-1])

    def check_attributes(self) -> None:
        shape = self.get_ints("shape")
        bits = int(self.get_datatype("dataType").bitwidth())
        row = shape[-1] * bits if shape else 0
        for name in ("inWidth", "outWidth"):
            width = self.get_int(name)
            if width < bits or width % bits or row % width:
                raise self.error(
                    f"{name}={width} must be a multiple of the element width ({bits} bits) "
                    f"and divide the row width ({row} bits)",
                    fix=f"choose {name} from "
                    f"{[bits * d for d in range(1, shape[-1] + 1) if shape[-1] % d == 0]}",
                )

    def normal_input(self, context: Mapping[str, Any], ind: int = 0) -> Any:
        """Input 0 reshaped to ``shape``: the converter may also re-view the stream (a
        channels-last ``(1, H, W, C)`` as ``(1, H*W*C)`` for a consumer reading it flat, such as
        an MVAU that absorbed a Flatten), as long as the element count is the same; the stream
        order (C order) does not change. Raises :class:`~brainsmith.hardware.KernelNodeError`
        for another element count."""
        x = context[self.onnx_node.input[ind]]
        shape = self.get_normal_input_shape(ind)
        if math.prod(x.shape) != math.prod(shape):
            raise self.error(
                f"input {ind} ({self.onnx_node.input[ind]!r}) has shape {tuple(x.shape)}, "
                f"which does not hold the {math.prod(shape)} elements of shape={list(shape)}",
                fix="set shape to the stream's tensor shape",
            )
        return x.reshape(shape)

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        context[self.onnx_node.output[0]] = self.normal_input(context).copy()
