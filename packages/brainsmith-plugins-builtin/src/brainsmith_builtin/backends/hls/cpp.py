"""Small C++ text helpers shared by the generators: identifiers, literals, constant arrays."""

from __future__ import annotations

import re
from collections.abc import Sequence

_NOT_IDENTIFIER = re.compile(r"[^0-9A-Za-z_]")
_LITERAL_LIMIT = 1 << 62


def identifier(name: str) -> str:
    """A C++ identifier derived from a node name (other characters become ``_``)."""
    text = _NOT_IDENTIFIER.sub("_", name) or "kernel"
    return f"k_{text}" if text[0].isdigit() else text


def word_literal(value: int, width: int) -> str:
    """An ``ap_uint<width>`` initialiser for a non-negative ``value`` (hex string past 62 bits)."""
    if value < _LITERAL_LIMIT:
        return f"{value:#x}ULL" if value else "0"
    return f'ap_uint<{width}>("{value:#x}")'


def int_literal(value: int, cpp_type: str) -> str:
    """An initialiser of ``cpp_type`` (an ``ap_int``) for a signed ``value``."""
    if -_LITERAL_LIMIT < value < _LITERAL_LIMIT:
        return f"{value}LL" if value < 0 else str(value)
    return f'{cpp_type}("{value}", 10)'


def array_initializer(rows: Sequence[Sequence[str]]) -> str:
    """Brace-initialiser text for a 2-D array of literals, one row per line."""
    inner = ",\n".join("    {" + ", ".join(row) + "}" for row in rows)
    return "{\n" + inner + "\n}"


def bits_for_unsigned(value: int) -> int:
    """Bits an unsigned integer needs to hold ``0..value`` (at least 1)."""
    return max(1, int(value).bit_length())


def bits_for_signed(low: int, high: int) -> int:
    """Bits a two's-complement integer needs to hold every value in ``[low, high]``."""
    bits = 1
    while not (-(1 << (bits - 1)) <= low and high <= (1 << (bits - 1)) - 1):
        bits += 1
    return bits
