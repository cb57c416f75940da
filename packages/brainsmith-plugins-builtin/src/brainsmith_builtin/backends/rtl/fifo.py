"""The RTL engine of the StreamingFIFO kernel (module ``bs_streaming_fifo``).

Contract: attributes ``depth``, ``folded_shape``, ``normal_shape``, ``dataType``; identity. One
stream word per fold (the last axis of ``folded_shape``); cycles ~= number of words.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt

from .design import RtlDesign
from .encoding import element_format, pack_words, unpack_words
from .kernel import check_positive, check_shape, product

__all__ = ["StreamingFifoRtl"]


@dataclass(frozen=True)
class StreamingFifoRtl:
    """A FIFO of ``depth`` words of ``folded_shape[-1] * bits(dataType)`` bits.

    Raises ``ValueError`` naming ``name`` when ``depth`` is not positive or the shapes disagree.
    """

    depth: int
    folded_shape: Sequence[int]
    normal_shape: Sequence[int]
    datatype: str
    name: str = "StreamingFIFO"

    def __post_init__(self) -> None:
        where = f"node {self.name}"
        check_positive(where, depth=self.depth)
        element_format(self.datatype)
        if not self.folded_shape or product(self.folded_shape) != product(self.normal_shape):
            raise ValueError(
                f"{where}: folded_shape {list(self.folded_shape)} does not hold the "
                f"{product(self.normal_shape)} elements of normal_shape {list(self.normal_shape)}"
            )

    @property
    def width(self) -> int:
        """Stream width in bits: elements per fold times the element width."""
        return int(self.folded_shape[-1]) * element_format(self.datatype).bits

    @property
    def expected_cycles(self) -> int:
        """One cycle per word: ``prod(folded_shape[:-1])``."""
        return product(self.folded_shape[:-1])

    @property
    def output_word_count(self) -> int:
        """As many words out as in."""
        return self.expected_cycles

    def design(self) -> RtlDesign:
        """``bs_streaming_fifo`` with ``DEPTH`` and ``WIDTH``."""
        return RtlDesign(
            top="bs_streaming_fifo",
            sources=("bs_streaming_fifo.v",),
            parameters=(("DEPTH", self.depth), ("WIDTH", self.width)),
            memories=(),
            in_width=self.width,
            out_width=self.width,
        )

    def input_words(self, x: npt.ArrayLike) -> list[int]:
        """``x`` (normal shape) folded and packed."""
        array = check_shape(x, self.normal_shape, where=f"node {self.name}")
        return pack_words(array.reshape(-1, int(self.folded_shape[-1])), self.datatype)

    def output_tensor(self, words: list[int]) -> npt.NDArray[np.float32]:
        """Output words unpacked into the normal shape."""
        unpacked = unpack_words(words, int(self.folded_shape[-1]), self.datatype)
        return unpacked.reshape(tuple(self.normal_shape))
