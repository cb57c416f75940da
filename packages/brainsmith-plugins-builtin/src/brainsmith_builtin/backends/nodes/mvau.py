"""The backends of ``MVAU``: ``MVAU_hls`` (HLS C++, cppsim) and ``MVAU_rtl`` (a plain
multiply-accumulate datapath in Verilog, rtlsim)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from brainsmith import backend
from brainsmith.hardware import Device, Resources

from brainsmith_builtin.backends.hls.kernel import HLSKernel
from brainsmith_builtin.backends.hls.mvau import MVAUParams, generate_mvau
from brainsmith_builtin.backends.rtl.mvau import MvauRtl
from brainsmith_builtin.kernels.mvau import MVAU
from brainsmith_builtin.resource_models import mvau_resources

from .hls_node import HLSNodeBackend
from .rtl_node import RTLNodeBackend
from .tensors import parameter


def _thresholds(node: MVAU, tensors: Mapping[str, Any]) -> Any:
    if node.get_int("noActivation") == 1:
        return None
    return parameter(node, tensors, 2, "thresholds T")


@backend(kernel="MVAU", language="hls")
class MVAU_hls(HLSNodeBackend, MVAU):
    """HLS backend of :class:`~brainsmith_builtin.kernels.mvau.MVAU`: a C++ function folded by
    PE (output channels per cycle) and SIMD (input elements per cycle), weights and thresholds
    as constant arrays in the folded layout; cppsim compiles it with g++.
    Cycles per frame: ``prod(numInputVectors) * (MH/PE) * (MW/SIMD)``."""

    def hls_kernel(self, tensors: Mapping[str, Any]) -> HLSKernel:
        return generate_mvau(
            MVAUParams(
                name=self.onnx_node.name,
                MW=self.get_int("MW"),
                MH=self.get_int("MH"),
                SIMD=self.get_int("SIMD"),
                PE=self.get_int("PE"),
                inputDataType=self.get_datatype("inputDataType").name,
                weightDataType=self.get_datatype("weightDataType").name,
                outputDataType=self.get_output_datatype().name,
                accDataType=self.get_datatype("accDataType").name,
                weights=parameter(self, tensors, 1, "weights W"),
                thresholds=_thresholds(self, tensors),
                noActivation=self.get_int("noActivation"),
                ActVal=self.get_int("ActVal"),
                numInputVectors=tuple(self.get_ints("numInputVectors")),
            )
        )


@backend(kernel="MVAU", language="rtl")
class MVAU_rtl(RTLNodeBackend, MVAU):
    """RTL backend of :class:`~brainsmith_builtin.kernels.mvau.MVAU`: SIMD multipliers per PE,
    an adder tree, an accumulator over the MW/SIMD folds and an optional threshold stage, with
    AXI-Stream handshakes. Cycles per frame: ``prod(numInputVectors) * (MH/PE) * (MW/SIMD)``."""

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """The RTL model, :func:`~brainsmith_builtin.resource_models.mvau_resources` with
        ``rtl=True`` (input vector buffer, no HLS control)."""
        return mvau_resources(**self.resource_shape(), rtl=True)

    def rtl_engine(self, tensors: Mapping[str, Any]) -> MvauRtl:
        return MvauRtl(
            mw=self.get_int("MW"),
            mh=self.get_int("MH"),
            simd=self.get_int("SIMD"),
            pe=self.get_int("PE"),
            input_datatype=self.get_datatype("inputDataType").name,
            weight_datatype=self.get_datatype("weightDataType").name,
            output_datatype=self.get_output_datatype().name,
            acc_datatype=self.get_datatype("accDataType").name,
            weights=parameter(self, tensors, 1, "weights W"),
            thresholds=_thresholds(self, tensors),
            no_activation=self.get_int("noActivation") == 1,
            act_val=self.get_int("ActVal"),
            num_input_vectors=tuple(self.get_ints("numInputVectors")),
            name=self.onnx_node.name,
        )
