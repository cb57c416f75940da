"""``MVAU``: the matrix-vector-activation unit (after FINN's MVAU interface)."""

from __future__ import annotations

import math
from collections.abc import Mapping
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

from brainsmith_builtin.resource_models import accumulator_bits, mvau_resources

from .characteristics import matrix_vector_pattern
from .datatypes import BIPOLAR_NAME, threshold_activation


@kernel
class MVAU(HWKernel):
    """Matrix-vector-activation unit: ``y = ActVal + #{j : x @ W >= T[c, j]}``, or the
    accumulator ``x @ W`` when ``noActivation=1``. After FINN's MVAU interface.

    Inputs ``(x, W)`` or ``(x, W, T)``:

    - ``x``: ``numInputVectors + [MW]``, ``inputDataType``;
    - ``W``: ``[MW, MH]`` initializer of integer values, ``weightDataType``;
    - ``T``: ``[MH, steps]`` or ``[1, steps]`` (shared by all channels) thresholds, ascending per
      row, integer values (the accumulator is integer, so ``ceil`` of real thresholds is exact).

    Output ``y``: ``numInputVectors + [MH]``, ``outputDataType`` (the accumulator's
    ``accDataType`` when ``noActivation=1``).

    Bipolar activation: when ``outputDataType`` is ``BIPOLAR`` (and ``noActivation=0``), ``T``
    has exactly one threshold per channel and ``y = 2 * count - 1`` (count in {0, 1}), i.e. +1
    where ``acc >= T[c, 0]``, else -1; ``ActVal`` is ignored (0 by convention). The output stream
    carries it as one bit per element (+1 -> 1, -1 -> 0).

    Absorbed flattening: ``x`` may also arrive un-flattened, with shape
    ``numInputVectors + [d1, ..., dk]`` where ``d1 * ... * dk == MW`` (a channels-last
    ``(1, H, W, C)`` read as ``MW = H*W*C`` after ``AbsorbFlattenIntoMVAU``); the golden model
    reshapes it to ``numInputVectors + [MW]`` in C order, which is the stream order, so the
    hardware is the same. ``get_normal_input_shape`` stays ``numInputVectors + [MW]``.

    Attributes: ``MW``, ``MH`` (int); ``SIMD`` (divides MW, input elements per cycle), ``PE``
    (divides MH, output channels per cycle); ``inputDataType``, ``weightDataType``,
    ``outputDataType``, ``accDataType`` (qonnx DataType names); ``noActivation`` (0|1);
    ``ActVal`` (int); ``numInputVectors`` (ints, ``[1]`` for an MLP, ``[1, H, W]`` for conv).

    Folded input ``vecs + [MW/SIMD, SIMD]``, folded output ``vecs + [MH/PE, PE]``; stream widths
    ``SIMD * bits(inputDataType)`` in, ``PE * bits(outputDataType)`` out.

    Cycles per frame: ``prod(numInputVectors) * (MH/PE) * (MW/SIMD)``.

    Golden model: exact integer matmul (float64 accumulation, exact below 2**53; BIPOLAR and
    BINARY operands are their ±1 / 0,1 values, so a plain matmul is right), then thresholds.
    """

    def get_nodeattr_types(self) -> NodeAttrTypes:
        return {
            **super().get_nodeattr_types(),
            "MW": ("i", True, 0),
            "MH": ("i", True, 0),
            "SIMD": ("i", False, 1),
            "PE": ("i", False, 1),
            "inputDataType": ("s", True, ""),
            "weightDataType": ("s", True, ""),
            "outputDataType": ("s", True, ""),
            "accDataType": ("s", False, "INT32"),
            "noActivation": ("i", False, 0, {0, 1}),
            "ActVal": ("i", False, 0),
            "numInputVectors": ("ints", False, [1]),
        }

    def _vecs(self) -> list[int]:
        return self.get_ints("numInputVectors")

    def get_normal_input_shape(self, ind: int = 0) -> Shape:
        mw, mh = self.get_int("MW"), self.get_int("MH")
        if ind == 0:
            return (*self._vecs(), mw)
        if ind == 1:
            return (mw, mh)
        raise self.error(f"input {ind} (thresholds) has a data-dependent shape; ask the model")

    def get_folded_input_shape(self, ind: int = 0) -> Shape:
        if ind != 0:
            raise self.error(f"input {ind} is a parameter memory, not a stream")
        simd = self.get_int("SIMD")
        return (*self._vecs(), self.get_int("MW") // simd, simd)

    def get_normal_output_shape(self, ind: int = 0) -> Shape:
        return (*self._vecs(), self.get_int("MH"))

    def get_folded_output_shape(self, ind: int = 0) -> Shape:
        pe = self.get_int("PE")
        return (*self._vecs(), self.get_int("MH") // pe, pe)

    def get_input_datatype(self, ind: int = 0) -> Any:
        return self.get_datatype("inputDataType" if ind == 0 else "weightDataType")

    def get_output_datatype(self, ind: int = 0) -> Any:
        if self.get_int("noActivation") == 1:
            return self.get_datatype("accDataType")
        return self.get_datatype("outputDataType")

    def get_weightstream_width(self) -> int:
        """Bits of weights read per cycle: ``PE * SIMD * bits(weightDataType)``."""
        bits = int(self.get_datatype("weightDataType").bitwidth())
        return self.get_int("PE") * self.get_int("SIMD") * bits

    def transfer_pattern(self) -> TransferPattern:
        """Per input vector: ``MW/SIMD`` words read in the first neuron fold, then one output
        word every ``MW/SIMD`` cycles, ``MH/PE`` of them (see
        :func:`~brainsmith_builtin.kernels.characteristics.matrix_vector_pattern`)."""
        folding = self.folding_parameters()
        return matrix_vector_pattern(
            math.prod(self._vecs()),
            folding["SIMD"].fold(self.get_int("SIMD")),
            folding["PE"].fold(self.get_int("PE")),
        )

    def get_exp_cycles(self) -> int:
        folding = self.folding_parameters()
        return (
            math.prod(self._vecs())
            * folding["PE"].fold(self.get_int("PE"))
            * folding["SIMD"].fold(self.get_int("SIMD"))
        )

    def resource_shape(self) -> dict[str, Any]:
        """The arguments of :func:`~brainsmith_builtin.resource_models.mvau_resources` for this
        node: the accumulator width is ``accDataType``'s, narrowed to the worst-case dot
        product of the datatypes (never below ``in + w + 2`` bits, as the RTL engine); the
        activation has ``2**bits(outputDataType) - 1`` thresholds (1 for BIPOLAR, 0 without)."""
        x, w = self.get_datatype("inputDataType"), self.get_datatype("weightDataType")
        out = self.get_output_datatype()
        in_bits, w_bits = int(x.bitwidth()), int(w.bitwidth())
        bound = accumulator_bits(
            self.get_int("MW"), (int(x.min()), int(x.max())), (int(w.min()), int(w.max()))
        )
        acc_bits = max(
            min(int(self.get_datatype("accDataType").bitwidth()), bound), in_bits + w_bits + 2
        )
        if self.get_int("noActivation") == 1:
            steps = 0
        elif out.name == BIPOLAR_NAME:
            steps = 1
        else:
            steps = 2 ** int(out.bitwidth()) - 1
        return {
            "mw": self.get_int("MW"),
            "mh": self.get_int("MH"),
            "simd": self.get_int("SIMD"),
            "pe": self.get_int("PE"),
            "in_bits": in_bits,
            "w_bits": w_bits,
            "out_bits": int(out.bitwidth()),
            "acc_bits": acc_bits,
            "steps": steps,
            "in_bipolar": x.name == BIPOLAR_NAME,
            "w_bipolar": w.name == BIPOLAR_NAME,
        }

    def estimate_resources(self, device: Device | None = None) -> Resources:
        """The HLS model, :func:`~brainsmith_builtin.resource_models.mvau_resources` with
        ``rtl=False`` (``MVAU_rtl`` uses the RTL model)."""
        return mvau_resources(**self.resource_shape(), rtl=False)

    def folding_parameters(self) -> dict[str, FoldingParameter]:
        return {
            "SIMD": FoldingParameter("SIMD", "MW", self.get_int("MW")),
            "PE": FoldingParameter("PE", "MH", self.get_int("MH")),
        }

    def expected_input_counts(self) -> frozenset[int]:
        return frozenset({2} if self.get_int("noActivation") == 1 else {3})

    def check_attributes(self) -> None:
        for name in ("MW", "MH"):
            if self.get_int(name) < 1:
                raise self.error(f"attribute {name}={self.get_int(name)} must be positive")
        for name in ("inputDataType", "weightDataType", "outputDataType", "accDataType"):
            dt = self.get_datatype(name)
            if not dt.is_integer():
                raise self.error(
                    f"attribute {name}={dt.name} is not an integer datatype",
                    fix="the MVAU computes on integers; quantise the tensor first",
                )
        bipolar = self.get_nodeattr("outputDataType") == BIPOLAR_NAME
        if self.get_int("noActivation") == 1 and bipolar:
            raise self.error(
                "outputDataType=BIPOLAR with noActivation=1: an accumulator is not bipolar",
                fix="set noActivation=0 with one threshold per channel, or an INTn outputDataType",
            )

    def execute_node(self, context: dict[str, Any], graph: Any) -> None:
        node = self.onnx_node
        x = self._flat_input(context)
        w = self.check_input_shape(context, 1)
        acc = np.matmul(x.astype(np.float64), w.astype(np.float64))
        if self.get_int("noActivation") == 1:
            context[node.output[0]] = acc.astype(np.float32)
            return
        thresholds = context[node.input[2]]
        if thresholds.ndim != 2 or thresholds.shape[0] not in (1, self.get_int("MH")):
            raise self.error(
                f"thresholds {node.input[2]!r} have shape {thresholds.shape}, expected "
                f"[{self.get_int('MH')}, steps] or [1, steps]"
            )
        try:
            context[node.output[0]] = threshold_activation(
                acc, thresholds, self.get_int("ActVal"), self.get_nodeattr("outputDataType")
            )
        except ValueError as exc:
            raise self.error(f"thresholds {node.input[2]!r}: {exc}") from None

    def normal_input(self, context: Mapping[str, Any], ind: int = 0) -> Any:
        """Input ``ind`` in the normal shape; input 0 may arrive un-flattened (see
        :meth:`_flat_input`)."""
        return self._flat_input(context) if ind == 0 else self.check_input_shape(context, ind)

    def _flat_input(self, context: Mapping[str, Any]) -> Any:
        """Input 0 as ``numInputVectors + [MW]``: the normal shape, or a tensor whose leading
        axes are ``numInputVectors`` and whose trailing axes flatten (C order) to ``MW``."""
        x = context[self.onnx_node.input[0]]
        vecs, mw = self._vecs(), self.get_int("MW")
        leading, trailing = tuple(x.shape[: len(vecs)]), x.shape[len(vecs) :]
        if x.ndim > len(vecs) and leading == tuple(vecs) and math.prod(trailing) == mw:
            return x.reshape(*vecs, mw)
        raise self.error(
            f"input 0 ({self.onnx_node.input[0]!r}) has shape {tuple(x.shape)}, expected "
            f"{(*vecs, mw)} (or numInputVectors {vecs} followed by axes whose product is MW={mw})",
            fix="check the node's MW and numInputVectors against the graph",
        )
