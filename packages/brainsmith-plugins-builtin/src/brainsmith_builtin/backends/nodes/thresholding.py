"""The backends of ``Thresholding``: ``Thresholding_hls`` (HLS C++, cppsim) and
``Thresholding_rtl`` (Verilog comparators, rtlsim)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainsmith import backend
from brainsmith.hardware import Device, Resources

from brainsmith_builtin.backends.hls.kernel import HLSKernel
from brainsmith_builtin.backends.hls.thresholding import ThresholdingParams, generate_thresholding
from brainsmith_builtin.backends.rtl.thresholding import ThresholdingRtl
from brainsmith_builtin.kernels.thresholding import Thresholding
from brainsmith_builtin.resource_models import thresholding_resources

from .hls_node import HLSNodeBackend
from .rtl_node import RTLNodeBackend
from .tensors import parameter


@backend(kernel="Thresholding", language="hls")
class Thresholding_hls(HLSNodeBackend, Thresholding):
    """HLS backend of :class:`~brainsmith_builtin.kernels.thresholding.Thresholding`: PE lanes
    each compare one channel against its thresholds (a constant array in the folded layout).
    Cycles per frame: ``prod(numInputVectors) * NumChannels/PE``."""

    def hls_kernel(self, tensors: Mapping[str, Any]) -> HLSKernel:
        return generate_thresholding(
            ThresholdingParams(
                name=self.onnx_node.name,
                NumChannels=self.get_int("NumChannels"),
                PE=self.get_int("PE"),
                numSteps=self.get_int("numSteps"),
                inputDataType=self.get_datatype("inputDataType").name,
                weightDataType=self.get_datatype("weightDataType").name,
                outputDataType=self.get_datatype("outputDataType").name,
                thresholds=parameter(self, tensors, 1, "thresholds T"),
                ActVal=self.get_int("ActVal"),
                numInputVectors=tuple(self.get_ints("numInputVectors")),
            )
        )


@backend(kernel="Thresholding", language="rtl")
class Thresholding_rtl(RTLNodeBackend, Thresholding):
    """RTL backend of :class:`~brainsmith_builtin.kernels.thresholding.Thresholding`: PE
    comparator lanes against a threshold ROM, with AXI-Stream handshakes (integer inputs; not
    BIPOLAR). Cycles per frame: ``prod(numInputVectors) * NumChannels/PE``."""

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """The RTL model, :func:`~brainsmith_builtin.resource_models.thresholding_resources`
        with ``rtl=True``."""
        return thresholding_resources(**self.resource_shape(), rtl=True)

    def rtl_engine(self, tensors: Mapping[str, Any]) -> ThresholdingRtl:
        return ThresholdingRtl(
            num_channels=self.get_int("NumChannels"),
            pe=self.get_int("PE"),
            input_datatype=self.get_datatype("inputDataType").name,
            output_datatype=self.get_datatype("outputDataType").name,
            thresholds=parameter(self, tensors, 1, "thresholds T"),
            act_val=self.get_int("ActVal"),
            num_input_vectors=tuple(self.get_ints("numInputVectors")),
            name=self.onnx_node.name,
        )
