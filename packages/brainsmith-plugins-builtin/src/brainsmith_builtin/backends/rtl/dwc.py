"""The RTL engine of the StreamingDataWidthConverter kernel (module ``bs_streaming_dwc``).

Contract: attributes ``inWidth``, ``outWidth`` (bits), ``shape``, ``dataType``; identity. Input
words of ``inWidth`` bits are re-sliced into ``outWidth``-bit words, lowest bits (first elements)
first; integer ratios either way, other ratios through the least common multiple width.
Cycles ~= max(input words, output words).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .design import RtlDesign
from .encoding import element_format, pack_words, unpack_words
from .kernel import check_positive, check_shape, product

__all__ = ["StreamingDataWidthConverterRtl"]


@dataclass(frozen=True)
class StreamingDataWidthConverterRtl:
    """A width converter from ``in_width`` to ``out_width`` bits over tensors of ``shape``.

    Both widths must be multiples of the element width, and one tensor's bits a multiple of
    ``lcm(in_width, out_width)`` (so no word is left half full). Raises ``ValueError`` naming
    ``name`` and the attribute otherwise.
    """

    in_width: int
    out_width: int
    shape: Sequence[int]
    datatype: str
    name: str = "StreamingDataWidthConverter"

    def __post_init__(self) -> None:
        where = f"node {self.name}"
        check_positive(where, inWidth=self.in_width, outWidth=self.out_width)
        bits = element_format(self.datatype).bits
        for attribute, width in (("inWidth", self.in_width), ("outWidth", self.out_width)):
            if width % bits:
                raise ValueError(
                    f"{where}: {attribute}={width} is not a multiple of the {bits}-bit "
                    f"dataType {self.datatype}; use a whole number of elements per word"
                )
        total = product(self.shape) * bits
        lcm = math.lcm(self.in_width, self.out_width)
        if total % lcm:
            raise ValueError(
                f"{where}: a tensor of shape {list(self.shape)} has {total} bits, not a multiple "
                f"of lcm(inWidth, outWidth) = {lcm}; choose widths whose words tile the tensor"
            )

    @property
    def input_word_count(self) -> int:
        """Input words per tensor."""
        return product(self.shape) * element_format(self.datatype).bits // self.in_width

    @property
    def output_word_count(self) -> int:
        """Output words per tensor."""
        return product(self.shape) * element_format(self.datatype).bits // self.out_width

    @property
    def expected_cycles(self) -> int:
        """``max(input words, output words)``: the busier side moves one word per cycle."""
        return max(self.input_word_count, self.output_word_count)

    def design(self) -> RtlDesign:
        """``bs_streaming_dwc`` with ``IN_WIDTH`` and ``OUT_WIDTH``."""
        return RtlDesign(
            top="bs_streaming_dwc",
            sources=("bs_streaming_dwc.v",),
            parameters=(("IN_WIDTH", self.in_width), ("OUT_WIDTH", self.out_width)),
            memories=(),
            in_width=self.in_width,
            out_width=self.out_width,
        )

    def input_words(self, x: npt.ArrayLike) -> list[int]:
        """``x`` (shape ``shape``) packed into ``inWidth``-bit words."""
        array = check_shape(x, self.shape, where=f"node {self.name}")
        per_word = self.in_width // element_format(self.datatype).bits
        return pack_words(array.reshape(-1, per_word), self.datatype)

    def output_tensor(self, words: list[int]) -> npt.NDArray[np.float32]:
        """``outWidth``-bit words unpacked into ``shape``."""
        per_word = self.out_width // element_format(self.datatype).bits
        return unpack_words(words, per_word, self.datatype).reshape(tuple(self.shape))
