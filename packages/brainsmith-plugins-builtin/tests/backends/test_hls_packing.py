"""Packing numpy <-> stream words: the documented bit layout, and round trips."""

from __future__ import annotations

import numpy as np
import pytest
from brainsmith_builtin.backends.hls.elements import Element
from brainsmith_builtin.backends.hls.packing import pack_words, unpack_words
from qonnx.core.datatype import DataType


def element(name: str) -> Element:
    return Element.of(name, node="test", attribute="dataType", allow_float=True)


def test_element_i_sits_at_bits_i_times_b() -> None:
    values = np.array([3, -6, 7, -1, 0, 1, -8, 2], np.float32)
    data = pack_words(values, element("INT4"), 4)
    expected = b""
    for word in values.reshape(2, 4):
        code = sum((int(v) & 0xF) << (4 * i) for i, v in enumerate(word))
        expected += code.to_bytes(2, "little")
    assert data == expected


def test_bipolar_is_one_bit_plus_one_is_set() -> None:
    data = pack_words(np.array([1, -1, -1, 1, 1], np.float32), element("BIPOLAR"), 5)
    assert data == bytes([0b11001])


@pytest.mark.parametrize(
    ("name", "per_word"),
    [("INT2", 3), ("UINT7", 5), ("INT8", 1), ("BIPOLAR", 9), ("INT3", 30), ("UINT1", 4)],
)
def test_round_trip(name: str, per_word: int) -> None:
    rng = np.random.default_rng(0)
    dt = DataType[name]
    if name == "BIPOLAR":
        values = rng.choice([-1.0, 1.0], size=per_word * 7)
    else:
        values = rng.integers(int(dt.min()), int(dt.max()) + 1, size=per_word * 7)
    el = element(name)
    data = pack_words(values.astype(np.float32), el, per_word)
    assert len(data) == 7 * ((per_word * el.bits + 7) // 8)
    np.testing.assert_array_equal(unpack_words(data, el, per_word), values)


def test_float32_round_trip_is_bit_exact() -> None:
    values = np.random.default_rng(1).standard_normal(12).astype(np.float32)
    np.testing.assert_array_equal(
        unpack_words(pack_words(values, element("FLOAT32"), 3), element("FLOAT32"), 3), values
    )


@pytest.mark.parametrize(
    ("name", "bad"), [("INT4", 8), ("UINT3", -1), ("INT4", 1.5), ("BIPOLAR", 0)]
)
def test_values_outside_the_datatype_are_refused(name: str, bad: float) -> None:
    with pytest.raises(ValueError, match=f"not a {name} value"):
        pack_words(np.array([0 if name != "BIPOLAR" else 1, bad], np.float32), element(name), 2)
