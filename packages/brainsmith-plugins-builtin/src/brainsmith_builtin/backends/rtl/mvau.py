"""The RTL engine of the MVAU kernel (module ``bs_mvau``): a plain multiply-accumulate datapath,
SIMD multipliers per PE, an adder tree, an accumulator over the MW/SIMD synapse folds and an
optional multi-threshold activation.

Contract: node inputs ``(x, W)`` or ``(x, W, T)``; ``x`` of shape ``numInputVectors + [MW]``,
``W`` of shape ``[MW, MH]``, ``T`` of shape ``[MH, steps]`` or ``[1, steps]``; ``acc = x @ W``;
``y = acc`` when ``noActivation = 1``, else ``y = ActVal + count(acc >= T[c, :])``, or
``2 * count - 1`` (one threshold, ``ActVal`` ignored) for a ``BIPOLAR`` output, streamed as one
bit (+1 -> 1, -1 -> 0): the count itself, so the datapath is unchanged. Folded input
``vecs + [MW/SIMD, SIMD]``, folded output ``vecs + [MH/PE, PE]``; cycles =
``prod(numInputVectors) * (MH/PE) * (MW/SIMD)``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .design import RtlDesign, memory_text
from .encoding import ElementFormat, element_format, pack_words, unpack_words
from .kernel import check_divides, check_positive, check_shape, product
from .thresholds import (
    check_activation_output,
    hardware_act_val,
    signed_bits,
    threshold_memory,
)

__all__ = ["MvauRtl", "accumulator_range"]


def accumulator_range(weights: npt.ArrayLike, input_format: ElementFormat) -> tuple[int, int]:
    """The smallest and largest ``x @ W`` over every input of ``input_format`` (exact, from the
    actual weights ``[MW, MH]``), as ``(minimum, maximum)`` over all output channels."""
    w = np.asarray(weights, dtype=np.float64)
    low_x, high_x = input_format.minimum, input_format.maximum  # BIPOLAR: -1, +1
    column_max = np.maximum(w * low_x, w * high_x).sum(axis=0)
    column_min = np.minimum(w * low_x, w * high_x).sum(axis=0)
    return int(column_min.min()), int(column_max.max())


@dataclass(frozen=True, eq=False)
class MvauRtl:
    """MVAU with the attributes of the contract (``MW``, ``MH``, ``SIMD``, ``PE``,
    ``inputDataType``, ``weightDataType``, ``outputDataType``, ``accDataType``,
    ``noActivation``, ``ActVal``, ``numInputVectors``), the weights ``W`` ``[MW, MH]`` and, with
    an activation, the thresholds ``T``.

    Raises ``ValueError`` naming ``name`` and the attribute on construction when the attributes
    or tensors do not fit (foldings that do not divide, values outside their datatype, an
    ``accDataType`` too narrow for the weights, an activation output that does not fit).
    """

    mw: int
    mh: int
    simd: int
    pe: int
    input_datatype: str
    weight_datatype: str
    output_datatype: str
    acc_datatype: str
    weights: npt.ArrayLike
    thresholds: npt.ArrayLike | None = None
    no_activation: bool = True
    act_val: int = 0
    num_input_vectors: Sequence[int] = (1,)
    name: str = "MVAU"
    _acc_bits: int = field(init=False, repr=False)
    _steps: int = field(init=False, repr=False)
    _threshold_words: list[int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        where = f"node {self.name}"
        check_positive(where, MW=self.mw, MH=self.mh, SIMD=self.simd, PE=self.pe)
        check_divides(where, "SIMD", self.simd, "MW", self.mw)
        check_divides(where, "PE", self.pe, "MH", self.mh)
        if any(int(v) < 1 for v in self.num_input_vectors):
            raise ValueError(
                f"{where}: numInputVectors must be positive, got {list(self.num_input_vectors)}"
            )
        in_fmt = element_format(self.input_datatype)
        w_fmt = element_format(self.weight_datatype)
        out_fmt = element_format(self.output_datatype)
        acc_fmt = element_format(self.acc_datatype)
        w = np.asarray(self.weights, dtype=np.float64)
        if w.shape != (self.mw, self.mh):
            raise ValueError(
                f"{where}: weights must have shape [MW, MH] = [{self.mw}, {self.mh}], got "
                f"{list(w.shape)}"
            )
        try:
            w_fmt.encode(w)
        except ValueError as error:
            raise ValueError(f"{where}: weights: {error}") from None

        low, high = accumulator_range(w, in_fmt)
        if low < acc_fmt.minimum or high > acc_fmt.maximum:
            raise ValueError(
                f"{where}: accDataType {self.acc_datatype} cannot hold the accumulator range "
                f"[{low}, {high}] of these weights and inputDataType {self.input_datatype}; "
                f"use INT{signed_bits(low, high)} or wider"
            )
        # Products and partial sums in one signed width: every product and every sum fits it.
        acc_bits = max(signed_bits(low, high + 1), in_fmt.bits + w_fmt.bits + 2)
        steps = 1
        threshold_words: list[int] = []
        if self.no_activation:
            if self.thresholds is not None:
                raise ValueError(
                    f"{where}: noActivation=1 but thresholds were given; drop T or set "
                    "noActivation=0"
                )
            if low < out_fmt.minimum or high > out_fmt.maximum:
                raise ValueError(
                    f"{where}: with noActivation=1 outputDataType {self.output_datatype} must "
                    f"hold the accumulator range [{low}, {high}]; use the accDataType"
                )
            acc_bits = max(acc_bits, out_fmt.bits)
        else:
            if self.thresholds is None:
                raise ValueError(
                    f"{where}: noActivation=0 needs thresholds T of shape [MH, steps] or [1, steps]"
                )
            memory = threshold_memory(
                self.thresholds, self.mh, self.pe, (low, high), where=where, min_bits=acc_bits
            )
            check_activation_output(self.act_val, memory.steps, self.output_datatype, where=where)
            acc_bits, steps, threshold_words = memory.bits, memory.steps, memory.words
        object.__setattr__(self, "_acc_bits", acc_bits)
        object.__setattr__(self, "_steps", steps)
        object.__setattr__(self, "_threshold_words", threshold_words)

    @property
    def synapse_folds(self) -> int:
        """``MW / SIMD``: input words per vector."""
        return self.mw // self.simd

    @property
    def neuron_folds(self) -> int:
        """``MH / PE``: output words per vector."""
        return self.mh // self.pe

    @property
    def input_shape(self) -> tuple[int, ...]:
        """``numInputVectors + [MW]``."""
        return (*map(int, self.num_input_vectors), self.mw)

    @property
    def output_shape(self) -> tuple[int, ...]:
        """``numInputVectors + [MH]``."""
        return (*map(int, self.num_input_vectors), self.mh)

    @property
    def expected_cycles(self) -> int:
        """``prod(numInputVectors) * (MH/PE) * (MW/SIMD)``."""
        return product(self.num_input_vectors) * self.neuron_folds * self.synapse_folds

    @property
    def output_word_count(self) -> int:
        """``prod(numInputVectors) * MH/PE``."""
        return product(self.num_input_vectors) * self.neuron_folds

    def weight_words(self) -> list[int]:
        """The weights ROM: word ``nf * SF + sf`` holds ``W[sf*SIMD + i, nf*PE + p]`` at element
        ``p * SIMD + i``, each ``bits(weightDataType)`` wide (BIPOLAR: +1 -> 1, -1 -> 0)."""
        w = np.asarray(self.weights, dtype=np.float64)
        sf, nf = self.synapse_folds, self.neuron_folds
        folded = w.reshape(sf, self.simd, nf, self.pe).transpose(2, 0, 3, 1)
        return pack_words(folded.reshape(nf * sf, self.pe * self.simd), self.weight_datatype)

    def design(self) -> RtlDesign:
        """``bs_mvau`` with this node's parameters, weights ROM and thresholds ROM."""
        in_fmt = element_format(self.input_datatype)
        w_fmt = element_format(self.weight_datatype)
        out_fmt = element_format(self.output_datatype)
        memories = [
            ("WEIGHTS_FILE", memory_text(self.weight_words(), self.pe * self.simd * w_fmt.bits))
        ]
        if not self.no_activation:
            width = self.pe * self._steps * self._acc_bits
            memories.append(("THRESHOLDS_FILE", memory_text(self._threshold_words, width)))
        return RtlDesign(
            top="bs_mvau",
            sources=("bs_adder_tree.v", "bs_threshold_count.v", "bs_mvau.v"),
            parameters=(
                ("MW", self.mw),
                ("MH", self.mh),
                ("SIMD", self.simd),
                ("PE", self.pe),
                ("IN_BITS", in_fmt.bits),
                ("IN_SIGNED", int(in_fmt.signed)),
                ("IN_BIPOLAR", int(in_fmt.bipolar)),
                ("W_BITS", w_fmt.bits),
                ("W_SIGNED", int(w_fmt.signed)),
                ("W_BIPOLAR", int(w_fmt.bipolar)),
                ("ACC_BITS", self._acc_bits),
                ("NO_ACTIVATION", int(self.no_activation)),
                ("STEPS", self._steps),
                ("OUT_BITS", out_fmt.bits),
                ("ACT_VAL", hardware_act_val(self.act_val, self.output_datatype)),
            ),
            memories=tuple(memories),
            in_width=self.simd * in_fmt.bits,
            out_width=self.pe * out_fmt.bits,
        )

    def input_words(self, x: npt.ArrayLike) -> list[int]:
        """``x`` folded to ``vecs + [MW/SIMD, SIMD]`` and packed."""
        array = check_shape(x, self.input_shape, where=f"node {self.name}")
        return pack_words(array.reshape(-1, self.simd), self.input_datatype)

    def output_tensor(self, words: list[int]) -> npt.NDArray[np.float32]:
        """Output words (``vecs + [MH/PE, PE]``) unpacked into ``numInputVectors + [MH]``."""
        return unpack_words(words, self.pe, self.output_datatype).reshape(self.output_shape)
