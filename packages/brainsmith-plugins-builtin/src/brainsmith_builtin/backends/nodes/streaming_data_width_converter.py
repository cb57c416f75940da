"""The backend of ``StreamingDataWidthConverter``: ``StreamingDataWidthConverter_rtl``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainsmith import backend

from brainsmith_builtin.backends.rtl.dwc import StreamingDataWidthConverterRtl
from brainsmith_builtin.kernels.streaming_data_width_converter import (
    StreamingDataWidthConverter,
)

from .rtl_node import RTLNodeBackend


@backend(kernel="StreamingDataWidthConverter", language="rtl")
class StreamingDataWidthConverter_rtl(RTLNodeBackend, StreamingDataWidthConverter):
    """RTL backend of the width converter: re-packs ``inWidth``-bit words into
    ``outWidth``-bit words of the same elements. Cycles per frame: the word count of the
    narrower side, ``prod(shape) * bits(dataType) / min(inWidth, outWidth)``."""

    def rtl_engine(self, tensors: Mapping[str, Any]) -> StreamingDataWidthConverterRtl:
        return StreamingDataWidthConverterRtl(
            in_width=self.get_int("inWidth"),
            out_width=self.get_int("outWidth"),
            shape=tuple(self.get_ints("shape")),
            datatype=self.get_datatype("dataType").name,
            name=self.onnx_node.name,
        )
