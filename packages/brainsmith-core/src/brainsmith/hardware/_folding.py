"""Folding: how far a kernel's parallelism parameters (PE, SIMD) may be raised.

A folding parameter processes ``value`` elements of one dimension per cycle, so the dimension is
folded ``extent / value`` times in time; the value must divide the dimension exactly (FINN's
folding constraints: ``MH % PE == 0``, ``MW % SIMD == 0``, ``NumChannels % PE == 0``).
"""

from __future__ import annotations

from dataclasses import dataclass, field


def divisors(n: int) -> tuple[int, ...]:
    """All positive divisors of ``n`` in ascending order (``divisors(12) == (1, 2, 3, 4, 6, 12)``).

    Raises ``ValueError`` when ``n`` is not a positive integer.
    """
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"divisors: expected a positive integer, got {n!r}")
    small: list[int] = []
    large: list[int] = []
    d = 1
    while d * d <= n:
        if n % d == 0:
            small.append(d)
            if d * d != n:
                large.append(n // d)
        d += 1
    return (*small, *reversed(large))


@dataclass(frozen=True, slots=True)
class FoldingParameter:
    """One parallelism attribute of a kernel node and its legal values.

    ``attribute`` is the node attribute (``"PE"``, ``"SIMD"``), ``dimension`` names the dimension
    it divides (``"MH"``, ``"MW"``, ``"NumChannels"``), ``extent`` is that dimension's size, and
    ``legal_values`` are the divisors of ``extent`` (ascending): ``1`` is fully folded (one element
    per cycle), ``extent`` fully parallel.
    """

    attribute: str
    dimension: str
    extent: int
    legal_values: tuple[int, ...] = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "legal_values", divisors(self.extent))

    def is_legal(self, value: int) -> bool:
        """Whether ``value`` divides the dimension."""
        return value in self.legal_values

    def fold(self, value: int) -> int:
        """How many cycles the dimension takes at ``value`` elements per cycle
        (``extent / value``). Raises ``ValueError`` for an illegal value."""
        if not self.is_legal(value):
            raise ValueError(
                f"{self.attribute}={value} does not divide {self.dimension}={self.extent}; "
                f"legal values: {list(self.legal_values)}"
            )
        return self.extent // value
