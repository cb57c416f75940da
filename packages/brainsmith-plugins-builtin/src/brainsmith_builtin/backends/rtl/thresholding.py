"""The RTL engine of the Thresholding kernel (module ``bs_thresholding``).

Contract: node inputs ``(x, T)``, y = ActVal + count(x >= T[c, :]) per channel ``c`` of the last
(channels-last) axis; PE channels per stream word; cycles = prod(numInputVectors) *
NumChannels / PE. A ``BIPOLAR`` output is ``2 * count - 1`` (one threshold, ``ActVal`` ignored),
streamed as one bit (+1 -> 1, -1 -> 0), which is the count itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from .design import RtlDesign, memory_text
from .encoding import element_format, pack_words, unpack_words
from .kernel import check_divides, check_positive, check_shape, product
from .thresholds import (
    ThresholdMemory,
    check_activation_output,
    hardware_act_val,
    threshold_memory,
)

__all__ = ["ThresholdingRtl"]


@dataclass(frozen=True, eq=False)
class ThresholdingRtl:
    """Thresholding with the attributes of the contract (``NumChannels``, ``PE``,
    ``inputDataType``, ``outputDataType``, ``ActVal``, ``numInputVectors``) and the threshold
    tensor ``T`` of shape ``[NumChannels, numSteps]`` or ``[1, numSteps]``.

    Input and output tensors have shape ``numInputVectors + [NumChannels]``. Raises
    ``ValueError`` naming ``name`` and the attribute on construction when they do not fit.
    """

    num_channels: int
    pe: int
    input_datatype: str
    output_datatype: str
    thresholds: npt.ArrayLike
    act_val: int = 0
    num_input_vectors: Sequence[int] = (1,)
    name: str = "Thresholding"
    _memory: ThresholdMemory = field(init=False, repr=False)

    def __post_init__(self) -> None:
        where = f"node {self.name}"
        check_positive(where, NumChannels=self.num_channels, PE=self.pe)
        check_divides(where, "PE", self.pe, "NumChannels", self.num_channels)
        if any(int(v) < 1 for v in self.num_input_vectors):
            raise ValueError(
                f"{where}: numInputVectors must be positive, got {list(self.num_input_vectors)}"
            )
        fmt = element_format(self.input_datatype)
        if fmt.bipolar:
            raise ValueError(
                f"{where}: inputDataType BIPOLAR is not supported by the RTL Thresholding; "
                "use an integer type"
            )
        memory = threshold_memory(
            self.thresholds,
            self.num_channels,
            self.pe,
            (fmt.minimum, fmt.maximum),
            where=where,
            min_bits=fmt.bits + 1,
        )
        check_activation_output(self.act_val, memory.steps, self.output_datatype, where=where)
        object.__setattr__(self, "_memory", memory)

    @property
    def normal_shape(self) -> tuple[int, ...]:
        """Input and output shape: ``numInputVectors + [NumChannels]``."""
        return (*map(int, self.num_input_vectors), self.num_channels)

    @property
    def folds(self) -> int:
        """Channel folds per vector: ``NumChannels / PE``."""
        return self.num_channels // self.pe

    @property
    def expected_cycles(self) -> int:
        """``prod(numInputVectors) * NumChannels / PE``."""
        return product(self.num_input_vectors) * self.folds

    @property
    def output_word_count(self) -> int:
        """One output word per input word."""
        return self.expected_cycles

    def design(self) -> RtlDesign:
        """``bs_thresholding`` with this node's parameters and threshold ROM."""
        in_fmt = element_format(self.input_datatype)
        out_fmt = element_format(self.output_datatype)
        memory = self._memory
        return RtlDesign(
            top="bs_thresholding",
            sources=("bs_threshold_count.v", "bs_thresholding.v"),
            parameters=(
                ("PE", self.pe),
                ("FOLDS", self.folds),
                ("STEPS", memory.steps),
                ("IN_BITS", in_fmt.bits),
                ("IN_SIGNED", int(in_fmt.signed)),
                ("CMP_BITS", memory.bits),
                ("OUT_BITS", out_fmt.bits),
                ("ACT_VAL", hardware_act_val(self.act_val, self.output_datatype)),
            ),
            memories=(
                (
                    "THRESHOLDS_FILE",
                    memory_text(memory.words, self.pe * memory.steps * memory.bits),
                ),
            ),
            in_width=self.pe * in_fmt.bits,
            out_width=self.pe * out_fmt.bits,
        )

    def input_words(self, x: npt.ArrayLike) -> list[int]:
        """``x`` (normal shape) folded to ``[..., NumChannels/PE, PE]`` and packed."""
        array = check_shape(x, self.normal_shape, where=f"node {self.name}")
        return pack_words(array.reshape(-1, self.pe), self.input_datatype)

    def output_tensor(self, words: list[int]) -> npt.NDArray[np.float32]:
        """Output words unpacked into the normal shape."""
        return unpack_words(words, self.pe, self.output_datatype).reshape(self.normal_shape)
