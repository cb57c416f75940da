"""Parameter checks shared by the generators; each error names the node and the attribute."""

from __future__ import annotations

from collections.abc import Sequence

from brainsmith_builtin.backends.hls.errors import HLSParameterError


def positive(value: int, *, node: str, attribute: str) -> int:
    """``value`` as an int, checked to be >= 1."""
    if isinstance(value, bool) or int(value) != value or value < 1:
        raise HLSParameterError(
            f"{value!r} is not a positive integer",
            where=f"node {node!r}, attribute {attribute!r}",
            fix=f"set {attribute} to an integer >= 1",
        )
    return int(value)


def divides(fold: int, total: int, *, node: str, attribute: str, total_attribute: str) -> None:
    """Check the folding factor ``fold`` (e.g. SIMD) divides ``total`` (e.g. MW)."""
    if total % fold:
        legal = [d for d in range(1, total + 1) if total % d == 0]
        raise HLSParameterError(
            f"{attribute}={fold} does not divide {total_attribute}={total}",
            where=f"node {node!r}, attribute {attribute!r}",
            fix=f"choose {attribute} among the divisors of {total_attribute}: {legal}",
        )


def shape(
    values: Sequence[int], *, length: int | None, node: str, attribute: str
) -> tuple[int, ...]:
    """A tuple of positive ints (of ``length`` entries when given)."""
    items = tuple(values)
    if length is not None and len(items) != length:
        raise HLSParameterError(
            f"{list(items)} has {len(items)} entries, expected {length}",
            where=f"node {node!r}, attribute {attribute!r}",
            fix=f"give {attribute} as a list of {length} positive integers",
        )
    if not items:
        raise HLSParameterError(
            "the list is empty",
            where=f"node {node!r}, attribute {attribute!r}",
            fix=f"give {attribute} as a non-empty list of positive integers",
        )
    return tuple(positive(v, node=node, attribute=attribute) for v in items)


def vectors(values: Sequence[int], *, node: str) -> tuple[int, ...]:
    """``numInputVectors`` checked; its product is the number of vectors per frame."""
    return shape(values, length=None, node=node, attribute="numInputVectors")
