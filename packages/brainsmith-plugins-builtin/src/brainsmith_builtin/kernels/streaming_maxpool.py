"""``StreamingMaxPool``: max pooling with kernel equal to stride, NHWC."""

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

from brainsmith_builtin.resource_models import maxpool_resources

from .characteristics import pooling_pattern


@kernel
class StreamingMaxPool(HWKernel):
    """Non-overlapping max pooling (kernel = stride = ``PoolDim``, no padding) over a
    channels-last image. After FINN's StreamingMaxPool interface.

    Input ``(1, ImgDim[0], ImgDim[1], NumChannels)``, output
    ``(1, ImgDim[0]//kh, ImgDim[1]//kw, NumChannels)``, both ``dataType``; ``ImgDim`` must be a
    multiple of ``PoolDim``.

    Attributes: ``PoolDim`` [kh, kw], ``NumChannels``, ``ImgDim`` [h, w], ``PE`` (divides
    NumChannels: channels per cycle), ``dataType``.

    Folded input ``(1, h, w, C/PE, PE)``, folded output ``(1, h/kh, w/kw, C/PE, PE)``.

    Cycles per frame: every input pixel is read once, ``h * w * C/PE``.
    """

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            **super().get_nodeattr_types(),
            "PoolDim": ("ints", True, []),
            "NumChannels": ("i", True, 0),
            "ImgDim": ("ints", True, []),
            "PE": ("i", False, 1),
            "dataType": ("s", True, ""),
        }

    def _dims(self) -> tuple[int, int, int, int]:
        img, pool = self.get_ints("ImgDim"), self.get_ints("PoolDim")
        if len(img) != 2 or len(pool) != 2:
            raise self.error(f"ImgDim={img} and PoolDim={pool} must have two entries [h, w]")
        return img[0], img[1], pool[0], pool[1]

    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        h, w, _, _ = self._dims()
        return (1, h, w, self.get_int("NumChannels"))

    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        h, w, _, _ = self._dims()
        pe = self.get_int("PE")
        return (1, h, w, self.get_int("NumChannels") // pe, pe)

    def get_normal_output_shape(self, ind: int = 0) -> Shape:
        h, w, kh, kw = self._dims()
        return (1, h // kh, w // kw, self.get_int("NumChannels"))

    def get_folded_output_shape(self, ind: int = 0) -> Shape:
        h, w, kh, kw = self._dims()
        pe = self.get_int("PE")
        return (1, h // kh, w // kw, self.get_int("NumChannels") // pe, pe)

    def get_input_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("dataType")

    def get_output_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("dataType")

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """The HLS model, :func:`~brainsmith_builtin.resource_models.maxpool_resources`."""
        _, w, _, kw = self._dims()
        return maxpool_resources(
            channels=self.get_int("NumChannels"),
            pe=self.get_int("PE"),
            bits=int(self.get_datatype("dataType").bitwidth()),
            image_width=w,
            pool_width=kw,
        )

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {"PE": FoldingParameter("PE", "NumChannels", self.get_int("NumChannels"))}

    def transfer_pattern(self) -> TransferPattern:
        """Each output pixel goes out as the last input pixel of its pool window arrives."""
        h, w, kh, kw = self._dims()
        cfold = self.folding_parameters()["PE"].fold(self.get_int("PE"))
        return pooling_pattern((h, w), (kh, kw), cfold)

    def get_exp_cycles(self) -> int:
        h, w, _, _ = self._dims()
        return h * w * self.folding_parameters()["PE"].fold(self.get_int("PE"))

    def check_attributes(self) -> None:
        h, w, kh, kw = self._dims()
        if min(kh, kw) < 1 or h % kh or w % kw:
            raise self.error(
                f"ImgDim=[{h}, {w}] is not a multiple of PoolDim=[{kh}, {kw}]",
                fix="pool with a kernel that divides the image",
            )

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        x = self.check_input_shape(context)
        h, w, kh, kw = self._dims()
        c = x.shape[-1]
        blocks = x.reshape(x.shape[0], h // kh, kh, w // kw, kw, c)
        context[self.onnx_node.output[0]] = blocks.max(axis=(2, 4)).astype(np.float32)
