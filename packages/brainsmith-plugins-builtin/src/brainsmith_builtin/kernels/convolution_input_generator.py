"""``ConvolutionInputGenerator``: the sliding-window (im2col) generator, NHWC."""

from __future__ import annotations

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

from brainsmith_builtin.resource_models import sliding_window_resources

from .characteristics import sliding_window_pattern


@kernel
class ConvolutionInputGenerator(HWKernel):
    """Sliding-window generator: turns an image into the rows of its im2col matrix, so a
    following MVAU computes the convolution. After FINN's ConvolutionInputGenerator interface.

    Input ``(1, IFMDim[0], IFMDim[1], IFMChannels)`` (NHWC), ``inputDataType``. Output
    ``(1, OFMDim[0], OFMDim[1], kh*kw*IFMChannels)``, each window ordered ``(kh, kw, C)`` as in
    qonnx's ``Im2Col`` op, ``outputDataType`` (equal to the input's). No padding (pad before).
    ``OFMDim[i] = (IFMDim[i] - Dilation[i]*(ConvKernelDim[i]-1) - 1) // Stride[i] + 1``.

    Attributes: ``ConvKernelDim`` [kh, kw], ``IFMChannels``, ``IFMDim`` [h, w], ``OFMDim``
    [oh, ow], ``SIMD`` (divides IFMChannels: channels per cycle), ``Stride`` [sh, sw],
    ``Dilation`` [dh, dw], ``inputDataType``, ``outputDataType``, ``depthwise`` (0|1: the
    consumer is a depthwise (vector) unit; the golden output order is the same).

    Folded input ``(1, h, w, C/SIMD, SIMD)``, folded output ``(1, oh, ow, kh*kw*C/SIMD, SIMD)``.

    Cycles per frame (line-buffer estimate): the first ``(kh-1)*dh`` input rows are buffered,
    then each output row overlaps reading its ``sh`` new input rows with writing its windows::

        w*C/SIMD * (kh-1)*dh + oh * max(ow*kh*kw*C/SIMD, sh*w*C/SIMD)
    """

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            **super().get_nodeattr_types(),
            "ConvKernelDim": ("ints", True, []),
            "IFMChannels": ("i", True, 0),
            "IFMDim": ("ints", True, []),
            "OFMDim": ("ints", True, []),
            "SIMD": ("i", False, 1),
            "Stride": ("ints", False, [1, 1]),
            "Dilation": ("ints", False, [1, 1]),
            "inputDataType": ("s", True, ""),
            "outputDataType": ("s", True, ""),
            "depthwise": ("i", False, 0, {0, 1}),
        }

    def _pair(self, name: str) -> tuple[int, int]:
        values = self.get_ints(name)
        if len(values) != 2:
            raise self.error(f"attribute {name}={values} must have two entries [h, w]")
        return values[0], values[1]

    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        h, w = self._pair("IFMDim")
        return (1, h, w, self.get_int("IFMChannels"))

    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        h, w = self._pair("IFMDim")
        simd = self.get_int("SIMD")
        return (1, h, w, self.get_int("IFMChannels") // simd, simd)

    def get_normal_output_shape(self, ind: int = 0) -> Shape:
        oh, ow = self._pair("OFMDim")
        kh, kw = self._pair("ConvKernelDim")
        return (1, oh, ow, kh * kw * self.get_int("IFMChannels"))

    def get_folded_output_shape(self, ind: int = 0) -> Shape:
        oh, ow = self._pair("OFMDim")
        kh, kw = self._pair("ConvKernelDim")
        simd = self.get_int("SIMD")
        return (1, oh, ow, kh * kw * self.get_int("IFMChannels") // simd, simd)

    def get_input_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("inputDataType")

    def get_output_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("outputDataType")

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """The HLS model, :func:`~brainsmith_builtin.resource_models.sliding_window_resources`."""
        return sliding_window_resources(
            channels=self.get_int("IFMChannels"),
            simd=self.get_int("SIMD"),
            in_bits=int(self.get_datatype("inputDataType").bitwidth()),
            image_width=self._pair("IFMDim")[1],
            kernel_rows=self._pair("ConvKernelDim")[0],
            dilation=self._pair("Dilation")[0],
        )

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {"SIMD": FoldingParameter("SIMD", "IFMChannels", self.get_int("IFMChannels"))}

    def transfer_pattern(self) -> TransferPattern:
        """Rows stream into a circular row buffer; each window goes out once its bottom-right
        pixel is in (see :func:`.characteristics.sliding_window_pattern`)."""
        return sliding_window_pattern(
            self._pair("IFMDim"),
            ofm=self._pair("OFMDim"),
            kernel=self._pair("ConvKernelDim"),
            stride=self._pair("Stride"),
            dilation=self._pair("Dilation"),
            cfold=self.folding_parameters()["SIMD"].fold(self.get_int("SIMD")),
        )

    def get_exp_cycles(self) -> int:
        _, w = self._pair("IFMDim")
        oh, ow = self._pair("OFMDim")
        kh, kw = self._pair("ConvKernelDim")
        sh, _ = self._pair("Stride")
        dh, _ = self._pair("Dilation")
        cfold = self.folding_parameters()["SIMD"].fold(self.get_int("SIMD"))
        return w * cfold * (kh - 1) * dh + oh * max(ow * kh * kw * cfold, sh * w * cfold)

    def check_attributes(self) -> None:
        h, w = self._pair("IFMDim")
        for axis, (size, k, s, d, o) in enumerate(
            zip(
                (h, w),
                self._pair("ConvKernelDim"),
                self._pair("Stride"),
                self._pair("Dilation"),
                self._pair("OFMDim"),
                strict=True,
            )
        ):
            if min(size, k, s, d) < 1:
                raise self.error(f"non-positive image, kernel, stride or dilation on axis {axis}")
            expected = (size - d * (k - 1) - 1) // s + 1
            if expected != o:
                raise self.error(
                    f"OFMDim[{axis}]={o} does not match IFMDim, ConvKernelDim, Stride and "
                    f"Dilation (expected {expected})",
                    fix=f"set OFMDim[{axis}] to {expected}",
                )
        if self.get_datatype("inputDataType") != self.get_datatype("outputDataType"):
            raise self.error("inputDataType and outputDataType must be equal (windows copy data)")

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        x = self.check_input_shape(context)
        kh, kw = self._pair("ConvKernelDim")
        sh, sw = self._pair("Stride")
        dh, dw = self._pair("Dilation")
        oh, ow = self._pair("OFMDim")
        rows = np.arange(oh)[:, None] * sh + np.arange(kh)[None, :] * dh  # (oh, kh)
        cols = np.arange(ow)[:, None] * sw + np.arange(kw)[None, :] * dw  # (ow, kw)
        # windows[n, oy, ox, ky, kx, c] = x[n, rows[oy, ky], cols[ox, kx], c]
        windows = x[:, rows[:, None, :, None], cols[None, :, None, :], :]
        out = windows.reshape(x.shape[0], oh, ow, -1)
        context[self.onnx_node.output[0]] = out.astype(np.float32)
